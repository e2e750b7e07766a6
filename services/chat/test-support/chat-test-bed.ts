import { startChatServer, type ChatServer, type ChatServerOptions } from "../chat-server.ts";
import { LineSocket } from "./line-socket.ts";

/** A chat server on 127.0.0.1 and a free port, with its log kept and every test socket closed at the end. */
export interface ChatTestBed extends AsyncDisposable {
  readonly server: ChatServer;
  readonly port: number;
  readonly logs: Record<string, unknown>[];
  /** A raw connection that has not said anything yet. */
  connect(): Promise<LineSocket>;
  /** A plain-line user with `nick`, in #lab, its join listing received. */
  plain(nick: string): Promise<LineSocket>;
  /** An IRC user with `nick`, registered (376 received), in no channel. */
  irc(nick: string): Promise<LineSocket>;
}

export async function startChatTestBed(options: ChatServerOptions = {}): Promise<ChatTestBed> {
  const logs: Record<string, unknown>[] = [];
  const server = await startChatServer({
    host: "127.0.0.1",
    port: 0,
    log: (event, fields = {}) => logs.push({ event, ...fields }),
    ...options,
  });
  const port = server.address.port;
  const sockets = new Set<LineSocket>();
  const connect = async (): Promise<LineSocket> => {
    const socket = await LineSocket.connect(port);
    sockets.add(socket);
    return socket;
  };
  return {
    server,
    port,
    logs,
    connect,
    plain: async (nick) => {
      const socket = await connect();
      socket.send(nick);
      // Members are listed in join order, so the newcomer is on the listing's last line.
      await socket.waitForLine(
        (line) => line.startsWith("- members of #lab (") && line.split(" ").includes(nick),
      );
      return socket;
    },
    irc: async (nick) => {
      const socket = await connect();
      socket.send(`NICK ${nick}`, `USER ${nick} 0 * :${nick}`);
      await socket.waitForLine(/^:\S+ 376 /);
      return socket;
    },
    [Symbol.asyncDispose]: async () => {
      for (const socket of sockets) socket.destroy();
      await server.close(100);
    },
  };
}
