import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, open, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import {
  InlineSink,
  MAX_WORKER_SINKS,
  openHashedAppendSink,
  WORKER_MIN_BODY_BYTES,
  WorkerSink,
} from "./hashed-append-sink.ts";
import { hashRange } from "./hash-file.ts";

const execFileAsync = promisify(execFile);
const dirs: string[] = [];
const KIB = 1024;

afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function partialWith(held: Uint8Array): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "socklab-hashed-append-"));
  dirs.push(dir);
  const path = join(dir, "partial");
  await writeFile(path, held);
  return path;
}

function sha256(...parts: Uint8Array[]): string {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part);
  return hash.digest("hex");
}

/** Chunks of `body` as a socket hands them over: each owning its memory. */
function socketChunks(body: Uint8Array, chunkBytes: number): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < body.length; at += chunkBytes)
    chunks.push(new Uint8Array(body.subarray(at, at + chunkBytes)));
  return chunks;
}

type SinkKind = "inline" | "worker";

async function sinkFor(kind: SinkKind, path: string, heldBytes: number, syncEveryBytes = 256 * KIB) {
  const handle = await open(path, "a+");
  const sink =
    kind === "worker"
      ? new WorkerSink(handle.fd, { heldBytes, syncEveryBytes })
      : new InlineSink(handle, await hashRange(handle, heldBytes), syncEveryBytes);
  return { handle, sink };
}

describe.each<SinkKind>(["inline", "worker"])("the %s hashed-append sink", (kind) => {
  it("appends every chunk after the held bytes and returns the SHA-256 of the whole file", async () => {
    const held = randomBytes(300 * KIB);
    const body = randomBytes(3 * 1024 * KIB + 123);
    const path = await partialWith(held);
    const { handle, sink } = await sinkFor(kind, path, held.length);
    for (const chunk of socketChunks(body, 64 * KIB)) await sink.write(chunk);
    const digest = await sink.finish();
    await handle.close();
    expect(digest).toBe(sha256(held, body));
    expect(Buffer.compare(await readFile(path), Buffer.concat([held, body]))).toBe(0);
  });

  it("fails with SIZE_MISMATCH when the partial holds fewer bytes than it is said to", async () => {
    const path = await partialWith(randomBytes(10 * KIB));
    const handle = await open(path, "a+");
    try {
      const finished =
        kind === "worker"
          ? new WorkerSink(handle.fd, { heldBytes: 20 * KIB, syncEveryBytes: 256 * KIB }).finish()
          : hashRange(handle, 20 * KIB);
      await expect(finished).rejects.toMatchObject({ code: "SIZE_MISMATCH" });
    } finally {
      await handle.close();
    }
  });

  it("writes a chunk that is a view into a larger buffer, leaving that buffer as it was", async () => {
    const path = await partialWith(new Uint8Array(0));
    const { handle, sink } = await sinkFor(kind, path, 0);
    const buffer = randomBytes(64 * KIB);
    const before = Buffer.from(buffer);
    await sink.write(buffer.subarray(1_000, 2_000));
    const digest = await sink.finish();
    await handle.close();
    expect(digest).toBe(sha256(before.subarray(1_000, 2_000)));
    expect(Buffer.compare(buffer, before)).toBe(0);
  });

  it("keeps what it was given when stopped, for a resume", async () => {
    const path = await partialWith(new Uint8Array(0));
    const { handle, sink } = await sinkFor(kind, path, 0);
    const body = randomBytes(1024 * KIB);
    for (const chunk of socketChunks(body, 64 * KIB)) await sink.write(chunk);
    await sink.stop();
    await handle.close();
    expect(Buffer.compare(await readFile(path), body)).toBe(0);
  });

  it("fails with the file's error, from write or finish, when the file cannot be written", async () => {
    const path = await partialWith(new Uint8Array(0));
    const readOnly = await open(path, "r");
    const sink =
      kind === "worker"
        ? new WorkerSink(readOnly.fd, { heldBytes: 0, syncEveryBytes: 256 * KIB })
        : new InlineSink(readOnly, createHash("sha256"), 256 * KIB);
    const failed = (async () => {
      for (const chunk of socketChunks(randomBytes(16 * 1024 * KIB), 64 * KIB)) await sink.write(chunk);
      return sink.finish();
    })();
    await expect(failed).rejects.toMatchObject({ code: "EBADF", syscall: "write" });
    await sink.stop();
    await readOnly.close();
  });
});

describe("openHashedAppendSink", () => {
  it("gives a body from WORKER_MIN_BODY_BYTES on a worker thread, and a smaller one the event loop", async () => {
    const path = await partialWith(new Uint8Array(0));
    const handle = await open(path, "a+");
    const small = await openHashedAppendSink(handle, {
      heldBytes: 0,
      bodyBytes: WORKER_MIN_BODY_BYTES - 1,
      syncEveryBytes: 1,
    });
    const large = await openHashedAppendSink(handle, {
      heldBytes: 0,
      bodyBytes: WORKER_MIN_BODY_BYTES,
      syncEveryBytes: 1,
    });
    expect(small).toBeInstanceOf(InlineSink);
    expect(large).toBeInstanceOf(WorkerSink);
    await Promise.all([small.finish(), large.finish()]);
    await handle.close();
  });

  it("starts at most MAX_WORKER_SINKS threads at once, writes the next body inline, and frees a slot at finish", async () => {
    const path = await partialWith(new Uint8Array(0));
    const handle = await open(path, "a+");
    const options = { heldBytes: 0, bodyBytes: WORKER_MIN_BODY_BYTES, syncEveryBytes: 1024 * KIB };
    const running = await Promise.all(
      Array.from({ length: MAX_WORKER_SINKS }, () => openHashedAppendSink(handle, options)),
    );
    expect(running.every((sink) => sink instanceof WorkerSink)).toBe(true);
    expect(WorkerSink.alive).toBe(MAX_WORKER_SINKS);
    const overflow = await openHashedAppendSink(handle, options);
    expect(overflow).toBeInstanceOf(InlineSink);
    await running[0]?.finish();
    expect(WorkerSink.alive).toBe(MAX_WORKER_SINKS - 1);
    const next = await openHashedAppendSink(handle, options);
    expect(next).toBeInstanceOf(WorkerSink);
    await Promise.all([...running.slice(1), overflow, next].map((sink) => sink.finish()));
    expect(WorkerSink.alive).toBe(0);
    await handle.close();
  });

  it("moves a chunk that owns its memory to the worker instead of copying it", async () => {
    const path = await partialWith(new Uint8Array(0));
    const handle = await open(path, "a+");
    const sink = new WorkerSink(handle.fd, { heldBytes: 0, syncEveryBytes: 256 * KIB });
    const chunk = new Uint8Array(randomBytes(64 * KIB));
    const expected = sha256(chunk);
    await sink.write(chunk);
    expect(chunk.byteLength).toBe(0);
    expect(await sink.finish()).toBe(expected);
    await handle.close();
  });
});

describe("WorkerSink in a client run as `node --input-type=module -e`", () => {
  it("starts its worker from the file beside it, not from the client's flags", async () => {
    const path = await partialWith(new Uint8Array(0));
    const source = `
      import { open } from "node:fs/promises";
      const { WorkerSink } = await import(${JSON.stringify(new URL("./hashed-append-sink.ts", import.meta.url).href)});
      const handle = await open(${JSON.stringify(path)}, "a+");
      const sink = new WorkerSink(handle.fd, { heldBytes: 0, syncEveryBytes: 1024 });
      await sink.write(new TextEncoder().encode("abc"));
      console.log(await sink.finish());
      await handle.close();`;
    const { stdout } = await execFileAsync(process.execPath, ["--input-type=module", "-e", source]);
    expect(stdout.trim()).toBe(sha256(new TextEncoder().encode("abc")));
  });
});
