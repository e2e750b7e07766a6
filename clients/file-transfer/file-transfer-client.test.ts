// The client is tested against the real server, in-process on 127.0.0.1: tests may join what code may not.
import { createHash, randomBytes } from "node:crypto";
import { access, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { Readable } from "node:stream";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type {
  FileTransferServerOptions,
  RunningFileTransferServer,
} from "../../services/file-transfer/file-transfer-server.ts";
import { startTcpRelay } from "../../services/file-transfer/testing/start-tcp-relay.ts";
import {
  startFileTransferOnStore,
  startTemporaryFileTransfer,
} from "../../services/file-transfer/testing/start-temporary-file-transfer.ts";
import { waitUntil } from "../../services/file-transfer/testing/wait-until.ts";
import {
  connectFileTransfer,
  type FileTransferClient,
  type PutStreamSource,
} from "./file-transfer-client.ts";

const MIB = 1024 * 1024;
// Matchers typed as unknown: expect.any() returns any, which the lint rules keep out of object literals.
const ANY_NUMBER: unknown = expect.any(Number);
const REFUSED: unknown = expect.objectContaining({ code: "ECONNREFUSED" });
const cleanups: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const setup = (options: Partial<FileTransferServerOptions> = {}) =>
  startTemporaryFileTransfer(cleanups, options);
const startServer = (storeDir: string) => startFileTransferOnStore(cleanups, storeDir);

async function connectTo(server: RunningFileTransferServer): Promise<FileTransferClient> {
  const client = await connectFileTransfer({
    host: "127.0.0.1",
    port: server.address.port,
    connectTimeoutMs: 2_000,
  });
  cleanups.push(() => client.close());
  return client;
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

async function writeTemp(dir: string, name: string, bytes: Uint8Array): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, bytes);
  return path;
}

/** Byte equality without a deep diff of megabytes: on failure, says where the first difference is. */
function expectSameBytes(actual: Buffer, expected: Buffer): void {
  if (actual.equals(expected)) return;
  const at = actual.findIndex((byte, i) => byte !== expected[i]);
  expect.fail(`got ${actual.length} bytes, expected ${expected.length}; first difference at ${at}`);
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

async function partialBytes(storeDir: string): Promise<number | undefined> {
  const [partial] = await readdir(join(storeDir, ".socklab", "partial"));
  return partial === undefined
    ? undefined
    : (await stat(join(storeDir, ".socklab", "partial", partial))).size;
}

/** A stream source that sends `body` up to `pauseAt`, then waits for `resume()` (or fails, if `fail` is set). */
function pausingSource(
  body: Buffer,
  pauseAt: number,
  fail?: Error,
  hashAfter = false,
): PutStreamSource & { resume: () => void } {
  const gate = Promise.withResolvers<undefined>();
  async function* chunks(): AsyncGenerator<Uint8Array> {
    yield body.subarray(0, pauseAt);
    await gate.promise;
    if (fail !== undefined) throw fail;
    yield body.subarray(pauseAt);
  }
  const resume = (): void => gate.resolve(undefined);
  return hashAfter
    ? { stream: chunks(), size: body.length, resume }
    : { stream: chunks(), size: body.length, sha256: sha256(body), resume };
}

describe("FileTransferClient", () => {
  it("puts, lists, stats, gets and deletes a file", async () => {
    const { server, workDir } = await setup();
    const client = await connectTo(server);
    const source = await writeTemp(workDir, "hello.txt", Buffer.from("hello, socklab\n"));
    const put = await client.put("hello.txt", source);
    expect(put).toEqual({
      name: "hello.txt",
      size: 15,
      sha256: sha256(Buffer.from("hello, socklab\n")),
      resumedFromBytes: 0,
      sentBytes: 15,
    });
    expect(await client.list()).toEqual([
      { name: "hello.txt", size: 15, modifiedMs: ANY_NUMBER, sha256: put.sha256 },
    ]);
    expect(await client.stat("hello.txt")).toMatchObject({ name: "hello.txt", size: 15, sha256: put.sha256 });
    const target = join(workDir, "copy.txt");
    expect(await client.get("hello.txt", target)).toMatchObject({
      path: target,
      resumedFromBytes: 0,
      receivedBytes: 15,
    });
    expect(await readFile(target, "utf8")).toBe("hello, socklab\n");
    await client.delete("hello.txt");
    expect(await client.list()).toEqual([]);
  });

  it("moves an empty file", async () => {
    const { server, workDir } = await setup();
    const client = await connectTo(server);
    await client.put("empty", await writeTemp(workDir, "empty", new Uint8Array(0)));
    expect(await client.stat("empty")).toMatchObject({ size: 0, sha256: sha256(new Uint8Array(0)) });
    await client.get("empty", join(workDir, "empty-copy"));
    expect(await readFile(join(workDir, "empty-copy"))).toEqual(Buffer.alloc(0));
  });

  it("moves a few MiB of binary data both ways, reporting progress up to the total", async () => {
    const { server, workDir, storeDir } = await setup();
    const client = await connectTo(server);
    const body = randomBytes(5 * MIB + 123);
    const progress: [number, number][] = [];
    await client.put("blob.bin", await writeTemp(workDir, "blob.bin", body), {
      onProgress: (done, total) => progress.push([done, total]),
    });
    expectSameBytes(await readFile(join(storeDir, "blob.bin")), body);
    expect(progress.at(0)).toEqual([0, body.length]);
    expect(progress.at(-1)).toEqual([body.length, body.length]);
    expect(progress.every(([done], i) => i === 0 || done >= (progress[i - 1]?.[0] ?? 0))).toBe(true);
    const downloaded: number[] = [];
    await client.get("blob.bin", join(workDir, "down.bin"), { onProgress: (done) => downloaded.push(done) });
    expectSameBytes(await readFile(join(workDir, "down.bin")), body);
    expect(downloaded.at(-1)).toBe(body.length);
  });

  it("throws the server's code as a SocklabError and stays usable", async () => {
    const { server, workDir } = await setup();
    const client = await connectTo(server);
    await expect(client.stat("missing")).rejects.toMatchObject({ name: "SocklabError", code: "NOT_FOUND" });
    const source = await writeTemp(workDir, "x", Buffer.from("x"));
    await expect(client.put("../escape", source)).rejects.toMatchObject({ code: "NAME_DOT_DOT" });
    await expect(client.get("missing", join(workDir, "nothing"))).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    expect(await exists(join(workDir, "nothing"))).toBe(false);
    expect(await client.list()).toEqual([]);
  });

  it("fails a put whose bytes do not match the announced sha256 and leaves nothing on the server", async () => {
    const { server, storeDir } = await setup();
    const client = await connectTo(server);
    const stream = Readable.from([Buffer.from("not what was announced")]);
    await expect(client.put("f", { stream, size: 22, sha256: "1".repeat(64) })).rejects.toMatchObject({
      code: "HASH_MISMATCH",
    });
    expect(await readdir(storeDir)).toEqual([".socklab"]);
    expect(await partialBytes(storeDir)).toBeUndefined();
    expect(await client.list()).toEqual([]);
  });

  it("keeps an upload in progress out of list, stat and get", async () => {
    const { server, storeDir, workDir } = await setup();
    const uploader = await connectTo(server);
    const body = randomBytes(2 * MIB);
    const source = pausingSource(body, MIB);
    const put = uploader.put("big", source);
    await waitUntil("1 MiB in the partial", async () =>
      (await partialBytes(storeDir)) === MIB ? true : undefined,
    );
    const reader = await connectTo(server);
    expect(await reader.list()).toEqual([]);
    await expect(reader.stat("big")).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(reader.get("big", join(workDir, "big"))).rejects.toMatchObject({ code: "NOT_FOUND" });
    source.resume();
    await put;
    expect(await reader.stat("big")).toMatchObject({ size: body.length, sha256: sha256(body) });
  });

  it("keeps concurrent uploads to one name apart: the last to complete wins, whole", async () => {
    const { server, storeDir, workDir } = await setup();
    const a = randomBytes(2 * MIB);
    const b = randomBytes(3 * MIB);
    const sourceA = pausingSource(a, MIB);
    const sourceB = pausingSource(b, MIB);
    const putA = (await connectTo(server)).put("same", sourceA);
    const putB = (await connectTo(server)).put("same", sourceB);
    await waitUntil("both partials at 1 MiB", async () => {
      const dir = join(storeDir, ".socklab", "partial");
      const sizes = await Promise.all((await readdir(dir)).map(async (p) => (await stat(join(dir, p))).size));
      return sizes.length === 2 && sizes.every((size) => size === MIB) ? true : undefined;
    });
    sourceB.resume();
    await putB;
    sourceA.resume();
    await putA;
    const reader = await connectTo(server);
    await reader.get("same", join(workDir, "same"));
    expectSameBytes(await readFile(join(workDir, "same")), a);
  });

  it("resumes an upload after the client lost its connection mid-body", async () => {
    const { server, storeDir, workDir, logs } = await setup();
    const body = randomBytes(3 * MIB);
    const broken = await connectTo(server);
    const source = pausingSource(body, MIB, new Error("disk unplugged"));
    const first = broken.put("resumed.bin", source);
    await waitUntil("1 MiB in the partial", async () =>
      (await partialBytes(storeDir)) === MIB ? true : undefined,
    );
    source.resume();
    await expect(first).rejects.toMatchObject({ code: "ERR_SOURCE_FAILED" });
    await waitUntil("the server to log the cut upload", () =>
      logs.find((line) => line.op === "put" && line.code === "TRUNCATED_BODY"),
    );
    const client = await connectTo(server);
    const put = await client.put("resumed.bin", await writeTemp(workDir, "resumed.bin", body), {
      hashFirst: true,
    });
    expect(put).toMatchObject({ resumedFromBytes: MIB, sentBytes: 2 * MIB });
    expectSameBytes(await readFile(join(storeDir, "resumed.bin")), body);
  });

  it("sends a file's hash after its body by default, and before it when asked (the seeds' way)", async () => {
    const { server, storeDir, workDir, logs } = await setup();
    const client = await connectTo(server);
    const body = randomBytes(MIB + 7);
    const source = await writeTemp(workDir, "both.bin", body);
    expect(await client.put("after.bin", source)).toMatchObject({
      sha256: sha256(body),
      sentBytes: body.length,
    });
    expect(await client.put("first.bin", source, { hashFirst: true })).toMatchObject({
      sha256: sha256(body),
    });
    expectSameBytes(await readFile(join(storeDir, "after.bin")), body);
    expectSameBytes(await readFile(join(storeDir, "first.bin")), body);
    const puts = logs.filter((line) => line.op === "put").map((line) => [line.name, line.hashIn]);
    expect(puts).toEqual([
      ["after.bin", "trailer"],
      ["first.bin", "header"],
    ]);
  });

  it("resumes a hash-after upload, hashing the bytes the server holds without sending them", async () => {
    const { server, storeDir, workDir } = await setup();
    const body = randomBytes(3 * MIB);
    const source = pausingSource(body, MIB, new Error("disk unplugged"), true);
    const first = (await connectTo(server)).put("after.bin", source);
    await waitUntil("1 MiB in the partial", async () =>
      (await partialBytes(storeDir)) === MIB ? true : undefined,
    );
    source.resume();
    await expect(first).rejects.toMatchObject({ code: "ERR_SOURCE_FAILED" });
    const client = await connectTo(server);
    const put = await client.put("after.bin", await writeTemp(workDir, "after.bin", body));
    expect(put).toMatchObject({ resumedFromBytes: MIB, sentBytes: 2 * MIB, sha256: sha256(body) });
    expectSameBytes(await readFile(join(storeDir, "after.bin")), body);
  });

  it("starts a hash-after upload over from 0 when the partial of its name and size held another file", async () => {
    const { server, storeDir, workDir } = await setup();
    const other = randomBytes(2 * MIB);
    const source = pausingSource(other, MIB, new Error("gone"), true);
    const first = (await connectTo(server)).put("same.bin", source);
    await waitUntil("1 MiB in the partial", async () =>
      (await partialBytes(storeDir)) === MIB ? true : undefined,
    );
    source.resume();
    await expect(first).rejects.toMatchObject({ code: "ERR_SOURCE_FAILED" });
    const body = randomBytes(2 * MIB);
    const client = await connectTo(server);
    const put = await client.put("same.bin", await writeTemp(workDir, "same.bin", body));
    expect(put).toMatchObject({ resumedFromBytes: 0, sentBytes: 2 * MIB, sha256: sha256(body) });
    expectSameBytes(await readFile(join(storeDir, "same.bin")), body);
  });

  it("abandons the partials of a name, and the next put starts from 0", async () => {
    const { server, storeDir, workDir } = await setup();
    const body = randomBytes(2 * MIB);
    const source = pausingSource(body, MIB, new Error("stop"));
    const first = (await connectTo(server)).put("gone.bin", source);
    await waitUntil("1 MiB in the partial", async () =>
      (await partialBytes(storeDir)) === MIB ? true : undefined,
    );
    source.resume();
    await expect(first).rejects.toMatchObject({ code: "ERR_SOURCE_FAILED" });
    const client = await connectTo(server);
    await waitUntil("the partial to be let go", async () => {
      const abandoned = await client.abandon("gone.bin");
      return abandoned.abandonedPartials === 1 ? abandoned : undefined;
    });
    expect(await partialBytes(storeDir)).toBeUndefined();
    expect(await client.abandon("gone.bin")).toEqual({ abandonedPartials: 0, abandonedBytes: 0 });
    const put = await client.put("gone.bin", await writeTemp(workDir, "gone.bin", body), { hashFirst: true });
    expect(put).toMatchObject({ resumedFromBytes: 0, sentBytes: 2 * MIB });
  });

  it("resumes an upload whose connection was reset in the middle of the body, byte-identical", async () => {
    const { server, storeDir, workDir, logs } = await setup();
    // Between client and server, a relay whose connections the test resets like a failing network.
    const relay = await startTcpRelay({ targetPort: server.address.port });
    cleanups.push(() => relay.close());
    const body = randomBytes(3 * MIB);
    const cut = await connectFileTransfer({ host: "127.0.0.1", port: relay.port, connectTimeoutMs: 2_000 });
    cleanups.push(() => cut.close());
    const source = pausingSource(body, MIB);
    const first = cut.put("reset.bin", source);
    await waitUntil("1 MiB in the partial", async () =>
      (await partialBytes(storeDir)) === MIB ? true : undefined,
    );
    relay.resetAll();
    await expect(first).rejects.toMatchObject({ code: "ERR_CONNECTION_CLOSED" });
    source.resume();
    const closed = await waitUntil("the server to log the reset connection", () =>
      logs.find((line) => line.event === "connection-close"),
    );
    expect(closed.reason).toContain("ECONNRESET");
    expect(logs.find((line) => line.op === "put" && line.name === "reset.bin")).toMatchObject({
      ok: false,
      bytes: MIB,
    });
    const client = await connectTo(server);
    const put = await client.put("reset.bin", await writeTemp(workDir, "reset.bin", body), {
      hashFirst: true,
    });
    expect(put).toMatchObject({ resumedFromBytes: MIB, sentBytes: 2 * MIB });
    expect(sha256(await readFile(join(storeDir, "reset.bin")))).toBe(sha256(body));
    expect(await partialBytes(storeDir)).toBeUndefined();
  });

  it("resumes an upload on a new server started on the same store", async () => {
    const { server, storeDir, workDir } = await setup();
    const body = randomBytes(3 * MIB);
    const source = pausingSource(body, MIB);
    const first = (await connectTo(server)).put("restart.bin", source);
    await waitUntil("1 MiB in the partial", async () =>
      (await partialBytes(storeDir)) === MIB ? true : undefined,
    );
    await server.close(0);
    await expect(first).rejects.toMatchObject({ name: "SocklabError" });
    const restarted = await startServer(storeDir);
    const client = await connectTo(restarted);
    const put = await client.put("restart.bin", await writeTemp(workDir, "restart.bin", body), {
      hashFirst: true,
    });
    expect(put).toMatchObject({ resumedFromBytes: MIB, sentBytes: 2 * MIB });
    expectSameBytes(await readFile(join(storeDir, "restart.bin")), body);
  });

  it("reports the server's IDLE_TIMEOUT when its upload source stalls", async () => {
    const { server } = await setup({ idleTimeoutMs: 200 });
    const client = await connectTo(server);
    const source = pausingSource(randomBytes(1_000), 10);
    await expect(client.put("stalled", source)).rejects.toMatchObject({ code: "IDLE_TIMEOUT" });
    source.resume();
  });

  it("fails with ERR_SOURCE_TOO_SHORT when a stream source ends before its announced size", async () => {
    const { server, storeDir } = await setup();
    const client = await connectTo(server);
    const body = Buffer.from("short");
    const stream = Readable.from([body]);
    await expect(client.put("f", { stream, size: 10, sha256: sha256(body) })).rejects.toMatchObject({
      code: "ERR_SOURCE_TOO_SHORT",
    });
    expect(await readdir(storeDir)).toEqual([".socklab"]);
  });

  it("resumes a download from a local partial and writes the target only when whole", async () => {
    const { server, workDir, storeDir } = await setup();
    const body = randomBytes(2 * MIB);
    await writeFile(join(storeDir, "dl.bin"), body);
    const target = join(workDir, "dl.bin");
    const partial = join(workDir, `.dl.bin.${sha256(body).slice(0, 16)}.partial`);
    await writeFile(partial, body.subarray(0, 700_000));
    const client = await connectTo(server);
    const result = await client.get("dl.bin", target);
    expect(result).toMatchObject({ resumedFromBytes: 700_000, receivedBytes: body.length - 700_000 });
    expectSameBytes(await readFile(target), body);
    expect(await exists(partial)).toBe(false);
  });

  it("resumes a download that was aborted part way", async () => {
    const { server, workDir, storeDir } = await setup();
    const body = randomBytes(8 * MIB);
    await writeFile(join(storeDir, "abort.bin"), body);
    const target = join(workDir, "abort.bin");
    const controller = new AbortController();
    const first = await connectTo(server);
    const aborted = first.get("abort.bin", target, {
      signal: controller.signal,
      onProgress: (done) => done >= MIB && controller.abort(),
    });
    await expect(aborted).rejects.toMatchObject({ code: "ERR_ABORTED" });
    expect(await exists(target)).toBe(false);
    const client = await connectTo(server);
    const result = await client.get("abort.bin", target);
    expect(result.resumedFromBytes).toBeGreaterThanOrEqual(MIB);
    expect(result.resumedFromBytes + result.receivedBytes).toBe(body.length);
    expectSameBytes(await readFile(target), body);
  });

  it("discards a local partial that does not match and fails with HASH_MISMATCH", async () => {
    const { server, workDir, storeDir } = await setup();
    const body = randomBytes(100_000);
    await writeFile(join(storeDir, "f"), body);
    const partial = join(workDir, `.f.${sha256(body).slice(0, 16)}.partial`);
    await writeFile(partial, randomBytes(5_000));
    const client = await connectTo(server);
    await expect(client.get("f", join(workDir, "f"))).rejects.toMatchObject({ code: "HASH_MISMATCH" });
    expect(await readdir(workDir)).toEqual(["store"]);
    await client.get("f", join(workDir, "f"));
    expectSameBytes(await readFile(join(workDir, "f")), body);
  });

  it("follows list pages until the last", async () => {
    const { server, storeDir } = await setup({ maxHeaderBytes: 1_024 });
    const names = Array.from({ length: 60 }, (_, i) => `name-${String(i).padStart(3, "0")}`);
    await Promise.all(names.map((name) => writeFile(join(storeDir, name), name)));
    const client = await connectTo(server);
    expect((await client.list()).map((file) => file.name)).toEqual(names);
  });

  it("fails to connect to a closed port with CONNECT_FAILED", async () => {
    const { server } = await setup();
    const port = server.address.port;
    await server.close(0);
    await expect(connectFileTransfer({ host: "127.0.0.1", port })).rejects.toMatchObject({
      code: "ERR_CONNECT_FAILED",
      cause: REFUSED,
    });
  });
});
