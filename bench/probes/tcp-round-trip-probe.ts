// Runs in the workbench (sent as source text, so it imports only node: modules): one byte to an
// echo server and wait for it back, one at a time, and print the round trips' percentiles in µs.
import { once } from "node:events";
import net from "node:net";

interface Options {
  host: string;
  port: number;
  warmupCount: number;
  maxCount: number;
  durationMs: number;
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

const socket = net.connect({ host: options.host, port: options.port, noDelay: true });
await once(socket, "connect");
const byte = Buffer.from([0x2a]);
const samplesNs: number[] = [];
const deadlineMs = performance.now() + options.durationMs;
let rounds = 0;
let sentAtNs = 0n;

const done = new Promise<void>((resolve) => {
  socket.on("data", () => {
    const roundTripNs = Number(process.hrtime.bigint() - sentAtNs);
    rounds += 1;
    if (rounds > options.warmupCount) samplesNs.push(roundTripNs);
    if (samplesNs.length >= options.maxCount || performance.now() >= deadlineMs) {
      resolve();
      return;
    }
    ping();
  });
});

function ping(): void {
  sentAtNs = process.hrtime.bigint();
  socket.write(byte);
}
ping();
await done;
socket.destroy();
process.stdout.write(`${JSON.stringify(summarize(samplesNs, 0))}\n`);
