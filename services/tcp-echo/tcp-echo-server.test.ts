import { createHash, randomBytes } from "node:crypto";
import net from "node:net";
import { once } from "node:events";
import { afterEach, describe, expect, it } from "vitest";
import type { LogFields } from "../runtime/json-log.ts";
import { startTcpEchoServer, type TcpEchoOptions, type TcpEchoServer } from "./tcp-echo-server.ts";

const MIB = 1024 * 1024;

interface LogLine extends LogFields {
  event: string;
}

let server: TcpEchoServer | undefined;
let logs: LogLine[] = [];

async function start(options: Partial<TcpEchoOptions> = {}): Promise<TcpEchoServer> {
  logs = [];
  server = await startTcpEchoServer({
    host: "127.0.0.1",
    port: 0,
    idleTimeoutMs: 0,
    maxConnections: 100,
    log: (event, fields) => logs.push({ event, ...fields }),
    ...options,
  });
  return server;
}

afterEach(async () => {
  await server?.close(0);
  server = undefined;
});

/** Sends `data`, half-closes, and collects the reply to the server's FIN. */
async function echo(port: number, data: Buffer): Promise<Buffer> {
  const socket = net.connect({ host: "127.0.0.1", port, allowHalfOpen: true });
  await once(socket, "connect");
  const chunks: Buffer[] = [];
  socket.on("data", (chunk: Buffer) => chunks.push(chunk));
  socket.end(data);
  await once(socket, "end");
  socket.destroy();
  return Buffer.concat(chunks);
}

async function logLine(predicate: (line: LogLine) => boolean): Promise<LogLine> {
  const deadline = performance.now() + 5_000;
  for (;;) {
    const line = logs.find(predicate);
    if (line) return line;
    if (performance.now() > deadline) throw new Error(`no such log line in ${JSON.stringify(logs)}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe("startTcpEchoServer", () => {
  it.each([
    ["empty", Buffer.alloc(0)],
    ["one byte", Buffer.from([0])],
    ["binary with every byte value", Buffer.from(Array.from({ length: 256 }, (_, i) => i))],
    ["8 MiB of random bytes", randomBytes(8 * MIB)],
  ])("echoes %s byte for byte", async (_name, data) => {
    const { address } = await start();
    expect((await echo(address.port, data)).equals(data)).toBe(true);
  });

  it("gives each of 100 concurrent clients exactly its own bytes", async () => {
    const { address } = await start({ maxConnections: 200 });
    const payloads = Array.from({ length: 100 }, (_, i) =>
      Buffer.concat([Buffer.from(`#${i}:`), randomBytes(10_000 + i)]),
    );
    const replies = await Promise.all(payloads.map((data) => echo(address.port, data)));
    replies.forEach((reply, i) => expect(reply.equals(payloads[i] ?? Buffer.alloc(0))).toBe(true));
  });

  it("stops reading from a client that sends but never reads, instead of buffering", async () => {
    const { address } = await start();
    const client = net.connect({ host: "127.0.0.1", port: address.port });
    await once(client, "connect");
    client.pause(); // never read the echo
    const chunk = randomBytes(64 * 1024);
    const offeredBytes = 256 * MIB;
    let writtenBytes = 0;
    // Write until the socket refuses more and no drain comes for 1 s: that stall is what is under
    // test, and it means every buffer on the path is full.
    while (writtenBytes < offeredBytes) {
      writtenBytes += chunk.length;
      if (!client.write(chunk)) {
        const drained = await Promise.race([
          once(client, "drain").then(() => true),
          new Promise<false>((resolve) => setTimeout(() => resolve(false), 1_000)),
        ]);
        if (!drained) break;
      }
    }
    const acceptedBytes = client.bytesWritten - client.writableLength;
    client.destroy();
    const close = await logLine((line) => line.event === "close");
    expect(acceptedBytes).toBeLessThan(64 * MIB);
    expect(close["bytesIn"]).toBeLessThan(64 * MIB);
  });

  it("logs open and close with the peer, bytes each way and a FIN ending", async () => {
    const { address } = await start();
    await echo(address.port, Buffer.from("hello"));
    const close = await logLine((line) => line.event === "close");
    expect(logs[0]?.event).toBe("open");
    expect(logs[0]?.["peer"]).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(close).toMatchObject({ end: "fin", bytesIn: 5, bytesOut: 5, peer: logs[0]?.["peer"] });
  });

  it("logs an RST ending when the client resets", async () => {
    const { address } = await start();
    const client = net.connect({ host: "127.0.0.1", port: address.port });
    await once(client, "connect");
    await logLine((line) => line.event === "open");
    client.resetAndDestroy();
    expect(await logLine((line) => line.event === "close")).toMatchObject({
      end: "rst",
      error: "ECONNRESET",
    });
  });

  it("closes an idle connection after the idle timeout and logs it", async () => {
    const { address } = await start({ idleTimeoutMs: 200 });
    const client = net.connect({ host: "127.0.0.1", port: address.port });
    await once(client, "connect");
    client.resume();
    await once(client, "close");
    expect(await logLine((line) => line.event === "close")).toMatchObject({ end: "timeout" });
  });

  it("resets connections beyond the limit, logs them, and keeps serving the others", async () => {
    const { address } = await start({ maxConnections: 2 });
    const held = [
      net.connect({ host: "127.0.0.1", port: address.port }),
      net.connect({ host: "127.0.0.1", port: address.port }),
    ];
    await Promise.all(held.map((socket) => once(socket, "connect")));
    await logLine(() => logs.filter((line) => line.event === "open").length === 2);
    const refused = net.connect({ host: "127.0.0.1", port: address.port });
    const [error] = (await once(refused, "error")) as [NodeJS.ErrnoException];
    expect(error.code).toBe("ECONNRESET");
    expect(await logLine((line) => line.event === "refused")).toMatchObject({
      end: "limit",
      maxConnections: 2,
    });
    held[0]?.destroy();
    await logLine((line) => line.event === "close");
    expect((await echo(address.port, Buffer.from("again"))).toString()).toBe("again");
    held[1]?.destroy();
  });

  it("ends open connections and stops listening on close", async () => {
    const { address } = await start();
    const client = net.connect({ host: "127.0.0.1", port: address.port });
    await once(client, "connect");
    client.resume();
    const ended = once(client, "end");
    await server?.close(1_000);
    server = undefined;
    await ended;
    const refused = net.connect({ host: "127.0.0.1", port: address.port });
    const [error] = (await once(refused, "error")) as [NodeJS.ErrnoException];
    expect(error.code).toBe("ECONNREFUSED");
    client.destroy();
    expect(logs).toContainEqual(expect.objectContaining({ event: "close", end: "shutdown" }));
  });
});

describe("the echo of a large stream", () => {
  it("has the same SHA-256 as what was sent", async () => {
    const { address } = await start();
    const data = randomBytes(4 * MIB);
    const reply = await echo(address.port, data);
    expect(createHash("sha256").update(reply).digest("hex")).toBe(
      createHash("sha256").update(data).digest("hex"),
    );
  });
});
