// Runs in the workbench (sent as source text, so it imports only node: modules): connect, one
// 1-byte echo, close, one connection after another, for a fixed time or count; prints the rate.
import net from "node:net";

interface Options {
  host: string;
  port: number;
  durationMs: number;
  maxConnections: number;
}

export interface ConnectRateResult {
  connections: number;
  failures: number;
  connectionsPerSecond: number;
  durationMs: number;
}

const options = JSON.parse(process.argv[1] ?? "{}") as Options;
const byte = Buffer.from([0x2a]);

// Resolves once the server has echoed the byte and both sides have closed.
function oneEcho(): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: options.host, port: options.port, noDelay: true }, () =>
      socket.write(byte),
    );
    socket.once("data", () => socket.end());
    socket.on("error", () => undefined);
    socket.on("close", (hadError) => resolve(!hadError));
  });
}

const startMs = performance.now();
let connections = 0;
let failures = 0;
while (connections + failures < options.maxConnections && performance.now() - startMs < options.durationMs) {
  if (await oneEcho()) connections += 1;
  else failures += 1;
}
const durationMs = performance.now() - startMs;
const result: ConnectRateResult = {
  connections,
  failures,
  connectionsPerSecond: (connections * 1000) / durationMs,
  durationMs,
};
process.stdout.write(`${JSON.stringify(result)}\n`);
