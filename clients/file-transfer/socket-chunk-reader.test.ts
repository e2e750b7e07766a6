// Real sockets on 127.0.0.1: a server in this process writes, a SocketChunkReader reads.
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { waitUntil } from "../../services/file-transfer/testing/wait-until.ts";
import {
  MAX_QUEUED_BYTES,
  MAX_READ_BYTES,
  MIN_READ_BYTES,
  SocketChunkReader,
} from "./socket-chunk-reader.ts";

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

/**
 * Checks each chunk against the buffer it was read into: MIN_READ_BYTES first and after a short
 * read, twice the last after a full one (at most MAX_READ_BYTES). Returns the largest chunk's length.
 */
function expectReadSizesFollowTheRule(chunks: Uint8Array[]): number {
  let bufferBytes = MIN_READ_BYTES;
  for (const [index, chunk] of chunks.entries()) {
    expect(chunk.length, `chunk ${index}`).toBeLessThanOrEqual(bufferBytes);
    bufferBytes = chunk.length === bufferBytes ? Math.min(bufferBytes * 2, MAX_READ_BYTES) : MIN_READ_BYTES;
  }
  return Math.max(...chunks.map((chunk) => chunk.length));
}

async function readBytes(reader: SocketChunkReader, bytes: number): Promise<Uint8Array[]> {
  const chunks: Uint8Array[] = [];
  for (let got = 0; got < bytes;) {
    const next = await reader.next();
    if (next.done === true) throw new Error(`the stream ended after ${got} of ${bytes} bytes`);
    chunks.push(next.value);
    got += next.value.length;
  }
  return chunks;
}

async function readAll(reader: SocketChunkReader): Promise<Uint8Array[]> {
  const chunks: Uint8Array[] = [];
  for (let next = await reader.next(); next.done !== true; next = await reader.next())
    chunks.push(next.value);
  return chunks;
}

describe("SocketChunkReader", () => {
  it("hands over every byte in order, each chunk in memory of its own, and ends at the FIN", async () => {
    const sent = randomBytes(5 * MAX_READ_BYTES + 12_345);
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
    expectReadSizesFollowTheRule(chunks);
    await expect(reader.next()).resolves.toEqual({ done: true, value: undefined });
  });

  it("stops reading while the consumer is behind, and resumes with reads grown to the largest", async () => {
    // More than loopback's socket buffers hold: a reader that never paused would read it all.
    const sent = randomBytes(32 * 1024 * 1024);
    const { reader, socket, peer } = await connectReader((server) => server.end(sent));
    await waitUntil("the client's reads to stop", () => (reader.paused ? true : undefined));
    expect(socket.bytesRead).toBeGreaterThanOrEqual(MAX_QUEUED_BYTES);
    expect(socket.bytesRead).toBeLessThan(MAX_QUEUED_BYTES + MAX_READ_BYTES);
    expect(peer.writableLength).toBeGreaterThan(0);
    const chunks = await readAll(reader);
    expect(Buffer.concat(chunks).equals(sent)).toBe(true);
    // Megabytes waited in the kernel: the reads grew to the largest buffer.
    expect(expectReadSizesFollowTheRule(chunks)).toBe(MAX_READ_BYTES);
  });

  it("falls back to a small buffer after a short read, so an idle connection holds little", async () => {
    const { reader, peer } = await connectReader(() => undefined);
    const burst = async (): Promise<Uint8Array[]> => {
      // Written at once, so the kernel holds far more than a small buffer when the reader gets to it.
      peer.write(randomBytes(3 * MAX_READ_BYTES));
      return readBytes(reader, 3 * MAX_READ_BYTES);
    };
    const grown = await burst();
    expect(Math.max(...grown.map((chunk) => chunk.length))).toBeGreaterThan(MIN_READ_BYTES);
    peer.write("short");
    const short = await readBytes(reader, 5);
    const after = await burst();
    // The read after the short one asked for MIN_READ_BYTES, not for what the buffer had grown to.
    expect(after[0]?.length).toBe(MIN_READ_BYTES);
    expectReadSizesFollowTheRule([...grown, ...short, ...after]);
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
