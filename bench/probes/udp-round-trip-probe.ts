// Runs in the workbench (sent as source text, so it imports only node: modules): one 1-byte datagram
// to an echo server and wait for it back, one at a time, and print the round trips' percentiles in
// µs. A datagram not back within the loss timeout counts as lost and the next one goes out.
import dgram from "node:dgram";
import { once } from "node:events";

interface Options {
  host: string;
  port: number;
  warmupCount: number;
  maxCount: number;
  durationMs: number;
  lossTimeoutMs: number;
}

export interface RoundTripResult {
  count: number;
  lost: number;
  p50Us: number;
  p99Us: number;
  meanUs: number;
}

const options = JSON.parse(process.argv[1] ?? "{}") as Options;

function summarize(samplesNs: number[], lost: number): RoundTripResult {
  const sorted = samplesNs.toSorted((a, b) => a - b);
  const at = (fraction: number) =>
    (sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? 0) / 1000;
  const meanNs = sorted.reduce((sum, value) => sum + value, 0) / Math.max(1, sorted.length);
  return { count: sorted.length, lost, p50Us: at(0.5), p99Us: at(0.99), meanUs: meanNs / 1000 };
}

const socket = dgram.createSocket("udp4");
socket.connect(options.port, options.host);
await once(socket, "connect");
const samplesNs: number[] = [];
const deadlineMs = performance.now() + options.durationMs;
let rounds = 0;
let lost = 0;
let sequence = 0;
let sentAtNs = 0n;
let lossTimer: NodeJS.Timeout | undefined;

const done = new Promise<void>((resolve) => {
  const next = () => {
    if (samplesNs.length >= options.maxCount || performance.now() >= deadlineMs) resolve();
    else ping();
  };
  socket.on("message", (message: Buffer) => {
    // Only the datagram in flight counts: a late one that was already declared lost is dropped.
    if (message[0] !== sequence % 256) return;
    const roundTripNs = Number(process.hrtime.bigint() - sentAtNs);
    clearTimeout(lossTimer);
    rounds += 1;
    if (rounds > options.warmupCount) samplesNs.push(roundTripNs);
    next();
  });
  function ping(): void {
    sequence += 1;
    sentAtNs = process.hrtime.bigint();
    socket.send(Buffer.from([sequence % 256]));
    lossTimer = setTimeout(() => {
      lost += 1;
      next();
    }, options.lossTimeoutMs);
  }
  ping();
});

await done;
socket.close();
process.stdout.write(`${JSON.stringify(summarize(samplesNs, lost))}\n`);
