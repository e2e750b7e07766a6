import { hostSocklabCommand, socklabCommand } from "../output/invoked-as.ts";
import { randomBytes } from "node:crypto";
import { setTimeout as pause } from "node:timers/promises";
import { describeEndpoint, openByteStream, type ByteStream, type Endpoint } from "./byte-stream.ts";
import { CheckFailure, type CheckPass } from "./check-failure.ts";
import type { CheckOptions } from "./check-options.ts";

export const SELECT_SERVER_PORT = 9008;
const START_HINT = `start your server: \`${hostSocklabCommand("run select_echo.py --port 9008")}\` on the host, then \`${socklabCommand("check 8 --host select-echo")}\`; or \`python3 select_echo.py\` in the workbench; listen(128), so that 100 connections can wait to be accepted`;
const ONE_AT_A_TIME_HINT =
  "your loop: select.select([listener, *clients], [], []) and serve whichever is readable; never block in accept() or recv() on one client";

/**
 * Exercise 8: the learner's select()-based echo server serves many clients from one thread. First a
 * few clients connect and leave at once (one with a reset): the server must drop them and go on.
 * Then `clients` connections are all open before any sends, so a server that serves one client at
 * a time answers only the first; each sends its own line, some in two segments, and must get back
 * exactly its own bytes.
 */
export async function checkSelectServer(options: CheckOptions): Promise<CheckPass> {
  const endpoint = { host: options.host ?? "127.0.0.1", port: options.port ?? SELECT_SERVER_PORT };
  await checkClientsThatLeave(endpoint, options.timeoutMs);
  const served = await checkConcurrentClients(endpoint, options.clients, options.timeoutMs);
  return {
    facts: [
      "clients that connect and leave at once (FIN, and a reset): dropped, and the server went on",
      `${served} clients connected at once, each got back exactly its own line`,
    ],
  };
}

async function checkClientsThatLeave(endpoint: Endpoint, timeoutMs: number): Promise<void> {
  for (let i = 0; i < 4; i += 1) {
    const stream = await openByteStream(endpoint, timeoutMs, START_HINT);
    // close() sends a FIN; a reset is what a killed client leaves.
    if (i === 3) stream.socket.resetAndDestroy();
    else stream.destroy();
  }
}

async function openAll(endpoint: Endpoint, count: number, timeoutMs: number): Promise<ByteStream[]> {
  const results = await Promise.allSettled(
    Array.from({ length: count }, () => openByteStream(endpoint, timeoutMs, START_HINT)),
  );
  const streams = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
  const failed = results.find((r) => r.status === "rejected");
  if (failed) {
    for (const stream of streams) stream.destroy();
    throw new CheckFailure(
      `only ${streams.length} of ${count} clients could connect to ${describeEndpoint(endpoint)} (after 4 clients that left at once): ${(failed.reason as Error).message}`,
      `a server that stopped after a client left: an empty recv() means close that socket and remove it from select's list. ${START_HINT}`,
    );
  }
  return streams;
}

async function checkConcurrentClients(endpoint: Endpoint, count: number, timeoutMs: number): Promise<number> {
  const streams = await openAll(endpoint, count, timeoutMs);
  try {
    const clients = streams.map((stream, i) => ({
      stream,
      line: Buffer.from(`client ${i + 1} of ${count}: ${randomBytes(16).toString("hex")}\n`),
    }));
    await Promise.all(clients.map(({ stream, line }, i) => sendInTwo(stream, line, i % 2 === 1)));
    const replies = await Promise.all(
      clients.map(async ({ stream, line }) => ({ line, reply: await stream.read(line.length, timeoutMs) })),
    );
    const answered = replies.filter(({ reply }) => reply.outcome === "ok");
    const wrong = answered.find(({ line, reply }) => !reply.bytes.equals(line));
    if (wrong)
      throw new CheckFailure(
        `a client sent ${JSON.stringify(wrong.line.toString())} and got back ${JSON.stringify(wrong.reply.bytes.toString())}`,
        "keep what you read per socket: send each client's bytes back on that client's socket, all of them (sendall)",
      );
    if (answered.length < count) {
      const closed = replies.filter(({ reply }) => reply.outcome === "closed").length;
      throw new CheckFailure(
        `${count} clients were connected at once and each sent one line: ${answered.length} got their echo within ${timeoutMs} ms` +
          (closed > 0 ? `, ${closed} were closed by the server` : "") +
          (answered.length <= 1 ? ": your server serves one client at a time" : ""),
        ONE_AT_A_TIME_HINT,
      );
    }
    return answered.length;
  } finally {
    for (const stream of streams) stream.destroy();
  }
}

// Odd clients send their line in two segments, a short pause apart, so that one recv() holds half.
async function sendInTwo(stream: ByteStream, line: Buffer, split: boolean): Promise<void> {
  if (!split) return stream.write(line);
  await stream.write(line.subarray(0, 7));
  await pause(5);
  await stream.write(line.subarray(7));
}
