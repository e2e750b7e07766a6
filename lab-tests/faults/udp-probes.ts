// Runs in the workbench (sent as source text, so it imports only node: modules): sends `count`
// numbered datagrams to an echo service in batches, waits for each batch's echoes until a short
// deadline, and prints one JSON line: how many were sent and how many distinct ones came back.
import dgram from "node:dgram";
import { once } from "node:events";

export interface UdpProbeOptions {
  host: string;
  port: number;
  count: number;
  batch: number;
  /** How long a batch waits for its missing echoes before the next one goes. */
  batchWaitMs: number;
}

export interface UdpProbeReport {
  sent: number;
  echoed: number;
}

const options = JSON.parse(process.argv[1] ?? "{}") as UdpProbeOptions;
const socket = dgram.createSocket("udp4");
const echoed = new Set<number>();
let waiting: { pending: Set<number>; done: () => void } | undefined;

socket.on("message", (message) => {
  const seq = message.readUInt32BE(0);
  echoed.add(seq);
  waiting?.pending.delete(seq);
  if (waiting?.pending.size === 0) waiting.done();
});
socket.connect(options.port, options.host);
await once(socket, "connect");

let sent = 0;
for (let first = 0; first < options.count; first += options.batch) {
  const seqs = Array.from({ length: Math.min(options.batch, options.count - first) }, (_, i) => first + i);
  const pending = new Set(seqs);
  const batchDone = new Promise<void>((resolve) => {
    waiting = { pending, done: resolve };
    setTimeout(resolve, options.batchWaitMs);
  });
  for (const seq of seqs) {
    const datagram = Buffer.alloc(64);
    datagram.writeUInt32BE(seq, 0);
    socket.send(datagram);
    sent += 1;
  }
  await batchDone;
}
socket.close();
const report: UdpProbeReport = { sent, echoed: echoed.size };
process.stdout.write(`${JSON.stringify(report)}\n`);
