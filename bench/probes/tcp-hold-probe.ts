// Runs in the workbench (sent as source text, so it imports only node: modules): opens many idle
// connections to a server, holds them for a fixed time while the bench reads the server's memory,
// then closes them all and prints how many it held.
import net from "node:net";

interface Options {
  host: string;
  port: number;
  connections: number;
  batchSize: number;
  holdMs: number;
}

export interface HoldResult {
  held: number;
  failures: number;
  openingMs: number;
}

const options = JSON.parse(process.argv[1] ?? "{}") as Options;
const sockets: net.Socket[] = [];
let failures = 0;

function open(): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: options.host, port: options.port });
    socket.once("connect", () => {
      sockets.push(socket);
      resolve();
    });
    socket.once("error", () => {
      failures += 1;
      resolve();
    });
  });
}

const startMs = performance.now();
for (let opened = 0; opened < options.connections; opened += options.batchSize) {
  const size = Math.min(options.batchSize, options.connections - opened);
  await Promise.all(Array.from({ length: size }, open));
}
const openingMs = performance.now() - startMs;
await new Promise((resolve) => setTimeout(resolve, options.holdMs));
const result: HoldResult = { held: sockets.filter((s) => !s.destroyed).length, failures, openingMs };
for (const socket of sockets) socket.destroy();
process.stdout.write(`${JSON.stringify(result)}\n`);
