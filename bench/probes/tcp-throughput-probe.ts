// Runs in the workbench (sent as source text, so it imports only node: modules): writes fixed-size
// chunks to an echo server as fast as backpressure allows, reads the echo back, and prints the bytes
// each way counted over a fixed window after a warm-up.
import { once } from "node:events";
import net from "node:net";

interface Options {
  host: string;
  port: number;
  chunkBytes: number;
  warmupMs: number;
  durationMs: number;
}

export interface TcpThroughputResult {
  sentBytesPerSecond: number;
  receivedBytesPerSecond: number;
  durationMs: number;
}

const options = JSON.parse(process.argv[1] ?? "{}") as Options;
const chunk = Buffer.alloc(options.chunkBytes, 0x61);
const socket = net.connect({ host: options.host, port: options.port, noDelay: true });
await once(socket, "connect");

let sentBytes = 0;
let receivedBytes = 0;
let writing = true;
socket.on("data", (data: Buffer) => (receivedBytes += data.length));
// The echo may end once we stop; a reset then is expected.
socket.on("error", () => undefined);

function pump(): void {
  while (writing) {
    sentBytes += chunk.length;
    if (!socket.write(chunk)) {
      socket.once("drain", pump);
      return;
    }
  }
}
pump();

await new Promise((resolve) => setTimeout(resolve, options.warmupMs));
const start = { atMs: performance.now(), sentBytes, receivedBytes };
await new Promise((resolve) => setTimeout(resolve, options.durationMs));
const elapsedMs = performance.now() - start.atMs;
writing = false;
const result: TcpThroughputResult = {
  sentBytesPerSecond: ((sentBytes - start.sentBytes) * 1000) / elapsedMs,
  receivedBytesPerSecond: ((receivedBytes - start.receivedBytes) * 1000) / elapsedMs,
  durationMs: elapsedMs,
};
socket.destroy();
process.stdout.write(`${JSON.stringify(result)}\n`);
