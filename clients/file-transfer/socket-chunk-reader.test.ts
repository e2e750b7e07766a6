// Real sockets on 127.0.0.1: a server in this process writes, a SocketChunkReader reads.
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { waitUntil } from "../../services/file-transfer/testing/wait-until.ts";
import { MAX_QUEUED_BYTES, SOCKET_READ_BYTES, SocketChunkReader } from "./socket-chunk-reader.ts";

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

/** A server whose one connection `serve` drives, and a client socket read by a SocketChunkReader. */
async function connectReader(serve: (socket: net.Socket) => void) {
  const server = net.createServer({ allowHalfOpen: true }, serve);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  cleanups.push(() => server.close());
  const accepted = once(server, "connection") as Promise<[net.Socket]>;
  const reader = new SocketChunkReader();
  const socket = net.connect({
    host: "127.0.0.1",
    port: (server.address() as net.AddressInfo).port,
    onread: reader.onread,
  });
  reader.attach(socket);
  socket.on("error", () => undefined); // the reader reports it
  cleanups.push(() => socket.destroy());
  const [peer] = await accepted;
  cleanups.push(() => peer.destroy());
  await once(socket, "connect");
  return { reader, socket, peer };
}

async function readAll(reader: SocketChunkReader): Promise<Uint8Array[]> {
  const chunks: Uint8Array[] = [];
  for (let next = await reader.next(); next.done !== true; next = await reader.next())
    chunks.push(next.value);
  return chunks;
}

describe("SocketChunkReader", () => {
  it("hands over every byte in order, each chunk in memory of its own, and ends at the FIN", async () => {
    const sent = randomBytes(5 * SOCKET_READ_BYTES + 12_345);
    const { reader } = await connectReader((peer) => {
      // Small writes and one large one: reads that fill the buffer and reads that do not.
      for (let at = 0; at < 4096 * 4; at += 4096) peer.write(sent.subarray(at, at + 4096));
      peer.end(sent.subarray(4096 * 4));
    });
    const chunks = await readAll(reader);
    expect(Buffer.concat(chunks).equals(sent)).toBe(true);
    for (const chunk of chunks) {
      expect(chunk.byteOffset).toBe(0);
      expect(chunk.byteLength).toBe(chunk.buffer.byteLength);
    }
    expect(Math.max(...chunks.map((chunk) => chunk.length))).toBeLessThanOrEqual(SOCKET_READ_BYTES);
    await expect(reader.next()).resolves.toEqual({ done: true, value: undefined });
  });

  it("stops reading while the consumer is behind, and resumes when it catches up", async () => {
    // More than loopback's socket buffers hold: a reader that never paused would read it all.
    const sent = randomBytes(32 * 1024 * 1024);
    const { reader, socket, peer } = await connectReader((server) => server.end(sent));
    await waitUntil("the client's reads to stop", () => (reader.paused ? true : undefined));
    expect(socket.bytesRead).toBeGreaterThanOrEqual(MAX_QUEUED_BYTES);
    expect(socket.bytesRead).toBeLessThan(MAX_QUEUED_BYTES + SOCKET_READ_BYTES);
    expect(peer.writableLength).toBeGreaterThan(0);
    const chunks = await readAll(reader);
    expect(Buffer.concat(chunks).equals(sent)).toBe(true);
  });

  it("rejects with the socket's error once the chunks read before it are handed over", async () => {
    const { reader, socket } = await connectReader((peer) => peer.write("before"));
    const first = await reader.next();
    expect(Buffer.from(first.value as Uint8Array).toString()).toBe("before");
    socket.destroy(new Error("timed out, say"));
    await expect(reader.next()).rejects.toThrow("timed out, say");
    await expect(reader.next()).rejects.toThrow("timed out, say");
  });

  it("rejects with ERR_CONNECTION_CLOSED when the socket closes without a FIN", async () => {
    const { reader, socket } = await connectReader(() => undefined);
    const pending = reader.next();
    socket.destroy();
    await expect(pending).rejects.toMatchObject({ code: "ERR_CONNECTION_CLOSED" });
  });

  it("refuses a second next() while one waits", async () => {
    const { reader, peer } = await connectReader(() => undefined);
    const first = reader.next();
    await expect(reader.next()).rejects.toThrow("one next() at a time");
    peer.end("x");
    await expect(first).resolves.toMatchObject({ done: false });
  });
});
