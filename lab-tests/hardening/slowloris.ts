// Runs in the workbench (sent as source text, so it imports only node: modules): `count`
// connections each dribble one request a byte a second, the way a slowloris holds a server's
// connections. Reports how each ended: finished sending, cut off by the server (with what it said
// last), or refused at once. Bounded: a byte a second for at most the payload's length.
import net from "node:net";
import { setTimeout as delay } from "node:timers/promises";

export interface SlowlorisOptions {
  host: string;
  port: number;
  payloadHex: string;
  count: number;
}

export interface SlowlorisReport {
  /** Dribblers that sent their whole request: the server let them. */
  finished: number;
  /** What the server said last to each dribbler it cut off while it was still sending. */
  cutWith: string[];
  /** Connections the server closed before a second byte was dribbled (the connection limit). */
  refused: number;
}

const options = JSON.parse(process.argv[1] ?? "{}") as SlowlorisOptions;
const payload = Buffer.from(options.payloadHex, "hex");
const report: SlowlorisReport = { finished: 0, cutWith: [], refused: 0 };

function dribbler(): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: options.host, port: options.port });
    let received = "";
    let sentBytes = 0;
    let closed = false;
    socket.on("data", (chunk: Buffer) => (received += chunk.toString("latin1")));
    socket.on("error", () => undefined);
    socket.on("close", () => {
      closed = true;
      if (sentBytes >= payload.length) report.finished += 1;
      else if (sentBytes <= 1) report.refused += 1;
      else report.cutWith.push(received.slice(-200));
      resolve();
    });
    socket.on("connect", () => {
      void (async () => {
        for (; sentBytes < payload.length && !closed; sentBytes++) {
          socket.write(payload.subarray(sentBytes, sentBytes + 1));
          await delay(1_000);
        }
        if (!closed) socket.end();
      })();
    });
  });
}

await Promise.all(Array.from({ length: options.count }, dribbler));
process.stdout.write(`${JSON.stringify(report)}\n`);
