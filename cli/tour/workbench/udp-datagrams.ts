// Run in the workbench by the tour: datagrams to udp-echo from one socket that is never
// connect()ed, which then stays open until the tour has shown the socket tables.
import { randomBytes } from "node:crypto";
import dgram from "node:dgram";
import { once } from "node:events";
import { createScriptIo } from "./create-script-io.ts";

// Empty; the most one Ethernet frame carries (1500 - 20 IP - 8 UDP); one byte more, which IP
// cuts into two fragments; and the most an IPv4 datagram can hold.
const SIZES = [0, 1_472, 1_473, 65_507];
const ECHO_PORT = 7;
const REPLY_TIMEOUT_MS = 5_000;

const io = createScriptIo("tour-udp");
const socket = dgram.createSocket("udp4");
socket.bind(0);
await once(socket, "listening");

interface Round {
  sentBytes: number;
  receivedBytes: number | null;
  match: boolean;
  from: string | null;
}
const rounds: Round[] = [];
for (const size of SIZES) {
  const payload = randomBytes(size);
  const reply = nextReply(REPLY_TIMEOUT_MS);
  // No connect(): each datagram names its destination, and any host may answer on this socket.
  socket.send(payload, ECHO_PORT, "udp-echo");
  const got = await reply;
  rounds.push({
    sentBytes: size,
    receivedBytes: got?.data.length ?? null,
    match: got?.data.equals(payload) ?? false,
    from: got?.from ?? null,
  });
}
io.emit("sent", { localPort: socket.address().port, rounds });
await io.nextLine();
socket.close();

/** The next datagram from an echo port, or undefined when none comes within the deadline. */
function nextReply(timeoutMs: number): Promise<{ data: Buffer; from: string } | undefined> {
  return new Promise((resolve) => {
    const onMessage = (data: Buffer, from: dgram.RemoteInfo): void => {
      if (from.port !== ECHO_PORT) return;
      clearTimeout(timer);
      socket.off("message", onMessage);
      resolve({ data, from: `${from.address}:${from.port}` });
    };
    const timer = setTimeout(() => {
      socket.off("message", onMessage);
      resolve(undefined);
    }, timeoutMs);
    socket.on("message", onMessage);
  });
}
