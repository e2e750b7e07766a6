// Runs in the workbench (sent as source text, so it imports only node: modules): sends `bytes`
// to tcp-echo and reads the echo back, and prints the rate at which the echo arrived, measured
// from the end of the first `warmupBytes` (tbf's bucket lets a first burst through at full speed)
// to the last byte. Bounded by `deadlineMs`. One JSON line.
import net from "node:net";

export interface TcpRateOptions {
  host: string;
  port: number;
  bytes: number;
  warmupBytes: number;
  deadlineMs: number;
}

export interface TcpRateReport {
  receivedBytes: number;
  measuredBytes: number;
  kbitPerSecond: number;
}

const options = JSON.parse(process.argv[1] ?? "{}") as TcpRateOptions;
const socket = net.connect({ host: options.host, port: options.port });
const report = await new Promise<TcpRateReport>((resolve, reject) => {
  let receivedBytes = 0;
  let startMs: number | undefined;
  let startBytes = 0;
  const timer = setTimeout(() => {
    socket.destroy();
    reject(
      new Error(`only ${receivedBytes} of ${options.bytes} bytes came back within ${options.deadlineMs} ms`),
    );
  }, options.deadlineMs);
  socket.on("error", reject);
  socket.on("data", (chunk: Buffer) => {
    receivedBytes += chunk.length;
    if (startMs === undefined && receivedBytes >= options.warmupBytes) {
      startMs = performance.now();
      startBytes = receivedBytes;
    }
    if (receivedBytes < options.bytes) return;
    clearTimeout(timer);
    const seconds = (performance.now() - (startMs ?? 0)) / 1000;
    const measuredBytes = receivedBytes - startBytes;
    socket.end();
    resolve({ receivedBytes, measuredBytes, kbitPerSecond: (measuredBytes * 8) / 1000 / seconds });
  });
  socket.write(Buffer.alloc(options.bytes, 0x61));
});
process.stdout.write(`${JSON.stringify(report)}\n`);
