// A socket on strings, run inside a lab container (`node --input-type=module-typescript -e`):
// it reads one JSON command per line on stdin and prints one JSON event per line on stdout, so a
// test can drive each step of a connection's life (connect, half-close, reset...) and watch states.
// Self-contained on purpose: it is sent as source text, so it may import only node: modules.
import net from "node:net";
import readline from "node:readline";

export type Command =
  | { op: "listen"; port: number; host?: string; allowHalfOpen?: boolean; pauseOnConnect?: boolean }
  | { op: "connect"; host: string; port: number; allowHalfOpen?: boolean }
  | { op: "write"; bytes: number }
  | { op: "writeText"; text: string }
  | { op: "end" }
  | { op: "destroy" }
  | { op: "reset" }
  | { op: "pause" }
  | { op: "resume" }
  | { op: "writeFrames"; hex: string; writes: number }
  | { op: "dump" }
  | { op: "readText" }
  | { op: "exit" };

export interface Endpoints {
  localAddress: string;
  localPort: number;
  remoteAddress: string;
  remotePort: number;
}

/** Every event the puppet prints, by name, with its fields: what `Puppet.next(name)` resolves with. */
export interface PuppetEvents {
  ready: { pid: number };
  listening: { port: number };
  connection: Endpoints;
  connected: Endpoints;
  data: { bytes: number; receivedBytes: number; chunkSizes: number[] };
  end: { receivedBytes: number };
  error: { code: string | undefined; message: string };
  close: { hadError: boolean };
  written: { bytes: number };
  ended: Record<string, never>;
  dump: { chunksHex: string[] };
  text: { text: string };
  ack: { op: Command["op"] };
  failed: { line: string; message: string };
}

// The name socket tables show for the puppet's sockets (PID/Program name).
process.title = "socket-puppet";

let server: net.Server | undefined;
let socket: net.Socket | undefined;
let receivedBytes = 0;
const chunkSizes: number[] = [];
const received: Buffer[] = [];

function emit<E extends keyof PuppetEvents>(
  event: E,
  ...[fields]: PuppetEvents[E] extends Record<string, never> ? [] : [PuppetEvents[E]]
): void {
  process.stdout.write(`${JSON.stringify({ event, ...fields })}\n`);
}

function endpoints(s: net.Socket): Endpoints {
  return {
    localAddress: s.localAddress ?? "",
    localPort: s.localPort ?? 0,
    remoteAddress: s.remoteAddress ?? "",
    remotePort: s.remotePort ?? 0,
  };
}

function watch(s: net.Socket): void {
  socket = s;
  s.on("data", (chunk: Buffer) => {
    receivedBytes += chunk.length;
    chunkSizes.push(chunk.length);
    received.push(chunk);
    emit("data", { bytes: chunk.length, receivedBytes, chunkSizes });
  });
  s.on("end", () => emit("end", { receivedBytes }));
  s.on("error", (error: NodeJS.ErrnoException) =>
    emit("error", { code: error.code, message: error.message }),
  );
  s.on("close", (hadError) => emit("close", { hadError }));
}

// Self-contained, so not SocklabError: the same stable code, reported as the puppet's error event.
class PuppetStateError extends Error {
  readonly code = "ERR_PUPPET_STATE";
}

function needSocket(): net.Socket {
  if (!socket) throw new PuppetStateError("no socket yet: listen and accept, or connect, first");
  return socket;
}

const ACTIONS: { [K in Command["op"]]: (command: Extract<Command, { op: K }>) => void } = {
  listen: (c) => {
    server = net.createServer(
      { allowHalfOpen: c.allowHalfOpen ?? false, pauseOnConnect: c.pauseOnConnect ?? false },
      (s) => {
        watch(s);
        emit("connection", endpoints(s));
      },
    );
    server.on("error", (error: NodeJS.ErrnoException) =>
      emit("error", { code: error.code, message: error.message }),
    );
    server.listen({ port: c.port, host: c.host ?? "::" }, () => emit("listening", { port: c.port }));
  },
  connect: (c) => {
    const s = net.connect({ host: c.host, port: c.port, allowHalfOpen: c.allowHalfOpen ?? false });
    watch(s);
    s.on("connect", () => emit("connected", endpoints(s)));
  },
  write: (c) => {
    needSocket().write(Buffer.alloc(c.bytes, 0x62), () => emit("written", { bytes: c.bytes }));
  },
  writeText: (c) => {
    const bytes = Buffer.from(c.text, "utf8");
    needSocket().write(bytes, () => emit("written", { bytes: bytes.length }));
  },
  end: () => needSocket().end(() => emit("ended")),
  destroy: () => needSocket().destroy(),
  reset: () => needSocket().resetAndDestroy(),
  pause: () => needSocket().pause(),
  resume: () => needSocket().resume(),
  // The bytes in `hex`, cut into `writes` nearly equal write() calls, with noDelay so that each
  // call leaves at once: the receiver then sees how TCP, not the sender, draws the boundaries.
  writeFrames: (c) => {
    const s = needSocket();
    s.setNoDelay(true);
    const bytes = Buffer.from(c.hex, "hex");
    const step = Math.ceil(bytes.length / c.writes);
    for (let at = 0; at < bytes.length; at += step) s.write(bytes.subarray(at, at + step));
    s.write(Buffer.alloc(0), () => emit("written", { bytes: bytes.length }));
  },
  // Every chunk read so far, as the reader got them.
  dump: () => emit("dump", { chunksHex: received.map((chunk) => chunk.toString("hex")) }),
  // Everything read so far as UTF-8, for a line protocol's replies (dump is for bytes and boundaries).
  readText: () => emit("text", { text: Buffer.concat(received).toString("utf8") }),
  exit: () => process.exit(0),
};

readline.createInterface({ input: process.stdin }).on("line", (line) => {
  try {
    const command = JSON.parse(line) as Command;
    (ACTIONS[command.op] as (c: Command) => void)(command);
    emit("ack", { op: command.op });
  } catch (error) {
    emit("failed", { line, message: (error as Error).message });
  }
});
process.stdin.on("end", () => process.exit(0));
emit("ready", { pid: process.pid });
