// Runs in the workbench (sent as source text, so it imports only node: modules): sends datagrams to
// an echo server at a steady rate for a fixed time and counts the echoes; doubles the rate until a
// datagram is lost, then bisects between the last rate with none lost and the first with losses.
import dgram from "node:dgram";
import { once } from "node:events";

interface Options {
  host: string;
  port: number;
  datagramBytes: number;
  trialMs: number;
  drainMs: number;
  startRatePerSecond: number;
  maxRatePerSecond: number;
  maxTrials: number;
}

interface Trial {
  ratePerSecond: number;
  sent: number;
  received: number;
  /** What the client managed to send, per second: below the rate asked, the client is the bound. */
  sentPerSecond: number;
}

export interface UdpRateResult {
  zeroLossRatePerSecond: number;
  clientBound: boolean;
  trials: Trial[];
}

const options = JSON.parse(process.argv[1] ?? "{}") as Options;
const socket = dgram.createSocket("udp4");
socket.connect(options.port, options.host);
await once(socket, "connect");
const counts = { trial: 0, received: 0 };
// The first byte names the trial, so that a late echo from an earlier one is not counted.
socket.on("message", (message: Buffer) => {
  if (message[0] === counts.trial % 256) counts.received += 1;
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function trial(ratePerSecond: number): Promise<Trial> {
  counts.trial += 1;
  counts.received = 0;
  const payload = Buffer.alloc(options.datagramBytes, 0x61);
  payload[0] = counts.trial % 256;
  const startMs = performance.now();
  let sent = 0;
  for (let elapsedMs = 0; elapsedMs < options.trialMs; elapsedMs = performance.now() - startMs) {
    const due = Math.floor((elapsedMs * ratePerSecond) / 1000) - sent;
    for (let i = 0; i < due; i += 1) socket.send(payload);
    sent += Math.max(0, due);
    await sleep(1);
  }
  const sentPerSecond = (sent * 1000) / (performance.now() - startMs);
  await sleep(options.drainMs);
  return { ratePerSecond, sent, received: counts.received, sentPerSecond };
}

const trials: Trial[] = [];
let good = 0;
let bad = Infinity;
let clientBound = false;
for (let rate = options.startRatePerSecond; trials.length < options.maxTrials;) {
  const result = await trial(rate);
  trials.push(result);
  if (result.sentPerSecond < 0.95 * rate) {
    clientBound = true;
    break;
  }
  if (result.received === result.sent) good = rate;
  else bad = rate;
  if (bad === Infinity && rate * 2 > options.maxRatePerSecond) break;
  rate = bad === Infinity ? rate * 2 : Math.round((good + bad) / 2);
  if (bad !== Infinity && bad - good <= good * 0.05) break;
}
socket.close();
const result: UdpRateResult = { zeroLossRatePerSecond: good, clientBound, trials };
process.stdout.write(`${JSON.stringify(result)}\n`);
