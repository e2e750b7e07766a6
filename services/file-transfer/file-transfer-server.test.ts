import { createHash, randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { encodeFrame } from "../../protocol/file-transfer/encode-frame.ts";
import { FILE_TRANSFER_ERRORS } from "../../protocol/file-transfer/file-transfer-errors.ts";
import type { FrameHeader } from "../../protocol/file-transfer/frame-decoder.ts";
import type { LogFields } from "../runtime/json-log.ts";
import {
  type FileTransferServerOptions,
  type RunningFileTransferServer,
  startFileTransferServer,
} from "./file-transfer-server.ts";
import { RawTestConnection } from "./testing/raw-test-connection.ts";
import { waitUntil } from "./testing/wait-until.ts";
import { toWireError } from "./to-wire-error.ts";
import { MAX_WORKER_SINKS, WORKER_MIN_BODY_BYTES, WorkerSink } from "../../io/hashed-append-sink.ts";

interface TestServer {
  server: RunningFileTransferServer;
  port: number;
  storeDir: string;
  logs: (LogFields & { event: string })[];
}

const cleanups: (() => Promise<void>)[] = [];
const seenCodes = new Set<string>();

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

afterAll(() => {
  // Every code in the table is provoked somewhere in this file.
  expect([...seenCodes].sort()).toEqual(Object.keys(FILE_TRANSFER_ERRORS).sort());
});

async function startTestServer(options: Partial<FileTransferServerOptions> = {}): Promise<TestServer> {
  const storeDir = await mkdtemp(join(tmpdir(), "socklab-ft-server-"));
  cleanups.push(() => rm(storeDir, { recursive: true, force: true }));
  const logs: TestServer["logs"] = [];
  const server = await startFileTransferServer({
    storeDir,
    port: 0,
    host: "127.0.0.1",
    lingerMs: 1_000,
    log: (event, fields = {}) => logs.push({ event, ...fields }),
    ...options,
  });
  cleanups.push(() => server.close(0));
  return { server, port: server.address.port, storeDir, logs };
}

async function openConnection(port: number): Promise<RawTestConnection> {
  const connection = await RawTestConnection.open(port);
  cleanups.push(() => Promise.resolve(connection.destroy()));
  return connection;
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function rawFrame(json: string | Uint8Array): Buffer {
  const bytes = typeof json === "string" ? Buffer.from(json, "utf8") : Buffer.from(json);
  const prefix = Buffer.alloc(4);
  prefix.writeUInt32BE(bytes.length);
  return Buffer.concat([prefix, bytes]);
}

function expectError(reply: FrameHeader | undefined, code: string, id?: string | number | null): void {
  expect(reply).toMatchObject({ ok: false, code, message: ANY_STRING });
  if (id !== undefined) expect(reply?.["id"]).toBe(id);
  seenCodes.add(code);
}

/** Another client is still served: the server survived whatever the test did. */
async function expectStillServing(port: number): Promise<void> {
  const other = await openConnection(port);
  expect(await other.request({ op: "list", id: "alive" })).toMatchObject({ ok: true, op: "list" });
  other.destroy();
}

async function putWhole(connection: RawTestConnection, name: string, body: Uint8Array): Promise<FrameHeader> {
  const ready = await connection.request({
    op: "put",
    id: name,
    name,
    size: body.length,
    sha256: sha256(body),
  });
  expect(ready).toMatchObject({ ok: true, status: "ready" });
  connection.send(body.subarray(Number(ready["offset"])));
  return connection.reply();
}

async function partialsIn(storeDir: string): Promise<string[]> {
  return readdir(join(storeDir, ".socklab", "partial"));
}

async function partialBytes(storeDir: string): Promise<number | undefined> {
  const [partial] = await partialsIn(storeDir);
  return partial === undefined
    ? undefined
    : (await stat(join(storeDir, ".socklab", "partial", partial))).size;
}

const SHA = "0".repeat(64);
const MIB = 1024 * 1024;
// Matchers typed as unknown: expect.any() returns any, which the lint rules keep out of object literals.
const ANY_STRING: unknown = expect.any(String);
const ANY_NUMBER: unknown = expect.any(Number);
const ANY_TYPE_ERROR: unknown = expect.any(TypeError);

describe("file-transfer server: a framed header it cannot use", () => {
  it.each([
    ["text that is not JSON", rawFrame("{oops"), "MALFORMED_JSON"],
    ["bytes that are not UTF-8", rawFrame(new Uint8Array([0x7b, 0xc3, 0x28, 0x7d])), "MALFORMED_JSON"],
    ["an empty header", rawFrame(""), "MALFORMED_JSON"],
    ["a JSON array", rawFrame("[1,2,3]"), "NOT_AN_OBJECT"],
    ["JSON null", rawFrame("null"), "NOT_AN_OBJECT"],
    ["a request without an id", rawFrame('{"op":"list"}'), "BAD_ID"],
    ["an id that is an object", rawFrame('{"op":"list","id":{}}'), "BAD_ID"],
    ["an unknown op", rawFrame('{"op":"rename","id":1}'), "UNKNOWN_OP"],
    ["a put without a size", rawFrame(`{"op":"put","id":1,"name":"f","sha256":"${SHA}"}`), "MISSING_FIELD"],
    [
      "a size that is a string",
      rawFrame(`{"op":"put","id":1,"name":"f","size":"5","sha256":"${SHA}"}`),
      "BAD_TYPE",
    ],
    ["a name that is a number", rawFrame('{"op":"stat","id":1,"name":7}'), "BAD_TYPE"],
    ["a negative size", rawFrame(`{"op":"put","id":1,"name":"f","size":-1,"sha256":"${SHA}"}`), "BAD_SIZE"],
    [
      "a fractional size",
      rawFrame(`{"op":"put","id":1,"name":"f","size":2.5,"sha256":"${SHA}"}`),
      "BAD_SIZE",
    ],
    [
      "a size of 2^53",
      rawFrame(`{"op":"put","id":1,"name":"f","size":9007199254740992,"sha256":"${SHA}"}`),
      "BAD_SIZE",
    ],
    [
      "a size of 1e400",
      rawFrame(`{"op":"put","id":1,"name":"f","size":1e400,"sha256":"${SHA}"}`),
      "BAD_SIZE",
    ],
    ["a negative offset", rawFrame('{"op":"get","id":1,"name":"f","offset":-4}'), "BAD_OFFSET"],
    ["a short sha256", rawFrame('{"op":"put","id":1,"name":"f","size":1,"sha256":"abc"}'), "BAD_SHA256"],
  ])("answers %s with its code and keeps the connection usable", async (_what, frame, code) => {
    const { port } = await startTestServer();
    const connection = await openConnection(port);
    connection.send(frame);
    expectError(await connection.reply(), code);
    expect(await connection.request({ op: "list", id: 2 })).toMatchObject({ ok: true, id: 2 });
  });

  it("echoes the request's id in the error reply, and null when the id itself is bad", async () => {
    const { port } = await startTestServer();
    const connection = await openConnection(port);
    expectError(await connection.request({ op: "stat", id: "abc", name: ".." }), "NAME_DOT_DOT", "abc");
    expectError(await connection.request({ op: "stat", id: "", name: "f" }), "BAD_ID", null);
  });
});

describe("file-transfer server: names that would leave the store", () => {
  it.each([
    ["", "NAME_EMPTY"],
    ["a\0b", "NAME_NUL"],
    ["n".repeat(256), "NAME_TOO_LONG"],
    ["x\ud800", "NAME_INVALID_UNICODE"],
    ["tab\there", "NAME_CONTROL_CHAR"],
    ["/etc/passwd", "NAME_ABSOLUTE"],
    ["..", "NAME_DOT_DOT"],
    ["../../etc/passwd", "NAME_DOT_DOT"],
    [".", "NAME_DOT"],
    ["sub/file", "NAME_SEPARATOR"],
    ["sub\\file", "NAME_SEPARATOR"],
    [".socklab", "NAME_RESERVED"],
  ])("refuses put, get, stat and delete of %j with %s", async (name, code) => {
    const { port, storeDir } = await startTestServer();
    const connection = await openConnection(port);
    expectError(await connection.request({ op: "put", id: 1, name, size: 1, sha256: SHA }), code);
    expectError(await connection.request({ op: "get", id: 2, name }), code);
    expectError(await connection.request({ op: "stat", id: 3, name }), code);
    expectError(await connection.request({ op: "delete", id: 4, name }), code);
    expect(await readdir(storeDir)).toEqual([".socklab"]);
  });
});

describe("file-transfer server: operations", () => {
  it("stores an upload under its name only after the hash matches, and lists, stats, gets and deletes it", async () => {
    const { port, storeDir } = await startTestServer();
    const connection = await openConnection(port);
    const body = randomBytes(100_000);
    const stored = await putWhole(connection, "data.bin", body);
    expect(stored).toEqual({
      id: "data.bin",
      ok: true,
      op: "put",
      status: "stored",
      name: "data.bin",
      size: body.length,
      sha256: sha256(body),
    });
    expect(await readFile(join(storeDir, "data.bin"))).toEqual(body);
    expect(await partialsIn(storeDir)).toEqual([]);
    expect(await connection.request({ op: "list", id: 2 })).toMatchObject({
      files: [{ name: "data.bin", size: body.length, modifiedMs: ANY_NUMBER }],
      more: false,
    });
    expect(await connection.request({ op: "stat", id: 3, name: "data.bin" })).toMatchObject({
      ok: true,
      size: body.length,
      sha256: sha256(body),
    });
    const get = await connection.request({ op: "get", id: 4, name: "data.bin" });
    expect(get).toMatchObject({ ok: true, op: "get", size: body.length, offset: 0, sha256: sha256(body) });
    expect(await connection.body(body.length)).toEqual(body);
    expect(await connection.request({ op: "delete", id: 5, name: "data.bin" })).toEqual({
      id: 5,
      ok: true,
      op: "delete",
      name: "data.bin",
    });
    expectError(await connection.request({ op: "stat", id: 6, name: "data.bin" }), "NOT_FOUND", 6);
    expectError(await connection.request({ op: "get", id: 7, name: "data.bin" }), "NOT_FOUND", 7);
    expectError(await connection.request({ op: "delete", id: 8, name: "data.bin" }), "NOT_FOUND", 8);
  });

  it("sends a file from an offset, and refuses an offset beyond its end", async () => {
    const { port } = await startTestServer();
    const connection = await openConnection(port);
    const body = randomBytes(5_000);
    await putWhole(connection, "f", body);
    const reply = await connection.request({ op: "get", id: 2, name: "f", offset: 1234 });
    expect(reply).toMatchObject({ ok: true, offset: 1234, size: 5_000 });
    expect(await connection.body(5_000 - 1234)).toEqual(body.subarray(1234));
    expect(await connection.request({ op: "get", id: 3, name: "f", offset: 5_000 })).toMatchObject({
      ok: true,
    });
    expect(await connection.body(0)).toEqual(Buffer.alloc(0));
    expectError(await connection.request({ op: "get", id: 4, name: "f", offset: 5_001 }), "BAD_OFFSET", 4);
  });

  it("refuses a get whose sha256 the stored file no longer has with FILE_CHANGED", async () => {
    const { port } = await startTestServer();
    const connection = await openConnection(port);
    await putWhole(connection, "f", Buffer.from("v1"));
    expectError(await connection.request({ op: "get", id: 2, name: "f", sha256: SHA }), "FILE_CHANGED", 2);
  });

  it("refuses a file over maxFileBytes before any byte is sent", async () => {
    const { port } = await startTestServer({ maxFileBytes: 10 });
    const connection = await openConnection(port);
    expectError(
      await connection.request({ op: "put", id: 1, name: "f", size: 11, sha256: SHA }),
      "FILE_TOO_LARGE",
    );
    expect(await connection.request({ op: "put", id: 2, name: "f", size: 10, sha256: SHA })).toMatchObject({
      status: "ready",
    });
  });

  it("refuses a file larger than the free space with NO_SPACE", async () => {
    const { port, storeDir } = await startTestServer({ maxFileBytes: Number.MAX_SAFE_INTEGER });
    const connection = await openConnection(port);
    expectError(
      await connection.request({ op: "put", id: 1, name: "f", size: 2 ** 52, sha256: SHA }),
      "NO_SPACE",
    );
    expect(await readdir(storeDir)).toEqual([".socklab"]);
    await expectStillServing(port);
  });

  it("rejects an upload whose bytes do not match its sha256 and leaves nothing behind", async () => {
    const { port, storeDir } = await startTestServer();
    const connection = await openConnection(port);
    const ready = await connection.request({ op: "put", id: 1, name: "f", size: 4, sha256: SHA });
    expect(ready).toMatchObject({ status: "ready", offset: 0 });
    connection.send("abcd");
    expectError(await connection.reply(), "HASH_MISMATCH", 1);
    expect(await readdir(storeDir)).toEqual([".socklab"]);
    expect(await partialsIn(storeDir)).toEqual([]);
    expect(await connection.request({ op: "list", id: 2 })).toMatchObject({ files: [] });
  });

  it("rejects an upload whose partial lost bytes on disk with SIZE_MISMATCH, leaving nothing", async () => {
    const { port, storeDir } = await startTestServer();
    const connection = await openConnection(port);
    const body = Buffer.from("0123456789");
    await connection.request({ op: "put", id: 1, name: "f", size: 10, sha256: sha256(body) });
    connection.send(body.subarray(0, 4));
    await waitUntil("4 bytes in the partial", async () =>
      (await partialBytes(storeDir)) === 4 ? true : undefined,
    );
    const [partial = ""] = await partialsIn(storeDir);
    await truncate(join(storeDir, ".socklab", "partial", partial), 2);
    connection.send(body.subarray(4));
    expectError(await connection.reply(), "SIZE_MISMATCH", 1);
    expect(await readdir(storeDir)).toEqual([".socklab"]);
    expect(await partialsIn(storeDir)).toEqual([]);
  });

  it("answers IO_ERROR when its store fails, and keeps serving", async () => {
    const { port, storeDir } = await startTestServer();
    await rm(join(storeDir, ".socklab", "partial"), { recursive: true });
    await writeFile(join(storeDir, ".socklab", "partial"), "not a directory");
    const connection = await openConnection(port);
    expectError(
      await connection.request({ op: "put", id: 1, name: "f", size: 1, sha256: SHA }),
      "IO_ERROR",
      1,
    );
    expect(await connection.request({ op: "list", id: 2 })).toMatchObject({ ok: true });
  });

  it("calls an error it does not expect INTERNAL_ERROR and keeps its details for the log", () => {
    const wire = toWireError(new TypeError("x is not a function"));
    expect(wire).toMatchObject({ code: "INTERNAL_ERROR", unexpected: ANY_TYPE_ERROR });
    expect(wire.message).not.toContain("x is not a function");
    seenCodes.add(wire.code);
  });

  it("pages a long list with `more` and `after`", async () => {
    const { port, storeDir } = await startTestServer();
    const names = Array.from({ length: 1_500 }, (_, i) => `file-${String(i).padStart(4, "0")}`);
    await Promise.all(names.map((name) => writeFile(join(storeDir, name), name)));
    const connection = await openConnection(port);
    const first = await connection.request({ op: "list", id: 1 });
    expect(first).toMatchObject({ more: true });
    const firstFiles = first["files"] as { name: string }[];
    const second = await connection.request({ op: "list", id: 2, after: firstFiles.at(-1)?.name });
    expect(second).toMatchObject({ more: false });
    const all = [...firstFiles, ...(second["files"] as { name: string }[])].map((file) => file.name);
    expect(all).toEqual(names);
  });

  it("lists only regular files with valid names, never partials, metadata or directories", async () => {
    const { port, storeDir } = await startTestServer();
    await mkdir(join(storeDir, "a-directory"));
    await writeFile(join(storeDir, "line\nbreak"), "x");
    const connection = await openConnection(port);
    await putWhole(connection, "real", Buffer.from("r"));
    await connection.request({ op: "put", id: 2, name: "unfinished", size: 10, sha256: SHA });
    connection.send("half!");
    await waitUntil("5 bytes in the partial", async () =>
      (await partialBytes(storeDir)) === 5 ? true : undefined,
    );
    const other = await openConnection(port);
    const list = await other.request({ op: "list", id: 1 });
    expect((list["files"] as { name: string }[]).map((file) => file.name)).toEqual(["real"]);
    expectError(await other.request({ op: "get", id: 2, name: "unfinished" }), "NOT_FOUND", 2);
    expectError(await other.request({ op: "stat", id: 3, name: "unfinished" }), "NOT_FOUND", 3);
  });

  it("logs one line per connection opened and closed and per operation, with the peer", async () => {
    const { port, logs } = await startTestServer();
    const connection = await openConnection(port);
    const peer = `127.0.0.1:${connection.socket.localPort}`;
    await connection.request({ op: "stat", id: 1, name: "nothing" });
    connection.end();
    await connection.serverClosed();
    await waitUntil("a close line", () => logs.find((line) => line.event === "connection-close"));
    expect(logs).toEqual([
      { event: "connection-open", peer },
      expect.objectContaining({ event: "op", peer, id: 1, op: "stat", ok: false, code: "NOT_FOUND" }),
      { event: "connection-close", peer, requests: 1, reason: "peer closed" },
    ]);
  });
});

describe("file-transfer server: errors that end the connection", () => {
  it("closes on a length prefix over maxHeaderBytes after saying HEADER_TOO_LARGE", async () => {
    const { port } = await startTestServer();
    const connection = await openConnection(port);
    connection.send(new Uint8Array([0xff, 0xff, 0xff, 0xff, 1, 2, 3]));
    const [reply] = await connection.serverClosed();
    expectError(reply, "HEADER_TOO_LARGE", null);
    await expectStillServing(port);
  });

  it("treats bytes beyond an announced body as the next frame, which here is HEADER_TOO_LARGE", async () => {
    const { port, storeDir } = await startTestServer();
    const connection = await openConnection(port);
    const body = Buffer.from("hello");
    await connection.request({ op: "put", id: 1, name: "f", size: 5, sha256: sha256(body) });
    connection.send(Buffer.concat([body, Buffer.from("EXTRA BYTES")]));
    const [stored, error] = await connection.serverClosed();
    expect(stored).toMatchObject({ ok: true, status: "stored" });
    expectError(error, "HEADER_TOO_LARGE", null);
    expect(await readFile(join(storeDir, "f"), "utf8")).toBe("hello");
  });

  it("says TRUNCATED_FRAME when the client stops sending inside a header", async () => {
    const { port } = await startTestServer();
    const connection = await openConnection(port);
    connection.send(new Uint8Array([0, 0, 0, 50, 0x7b]));
    connection.end();
    const [reply] = await connection.serverClosed();
    expectError(reply, "TRUNCATED_FRAME", null);
    await expectStillServing(port);
  });

  it("says TRUNCATED_BODY when the client stops inside a body, and keeps the partial for a resume", async () => {
    const { port, storeDir } = await startTestServer();
    const body = randomBytes(10_000);
    const connection = await openConnection(port);
    await connection.request({ op: "put", id: 1, name: "f", size: body.length, sha256: sha256(body) });
    connection.send(body.subarray(0, 4_000));
    connection.end();
    const [reply] = await connection.serverClosed();
    expectError(reply, "TRUNCATED_BODY", 1);
    expect(await readdir(storeDir)).toEqual([".socklab"]);
    const again = await openConnection(port);
    const ready = await again.request({
      op: "put",
      id: 2,
      name: "f",
      size: body.length,
      sha256: sha256(body),
    });
    expect(ready).toMatchObject({ status: "ready", offset: 4_000 });
    again.send(body.subarray(4_000));
    expect(await again.reply()).toMatchObject({ ok: true, status: "stored" });
    expect(await readFile(join(storeDir, "f"))).toEqual(body);
  });

  it("keeps the partial of an upload whose connection is reset mid-body, and resumes it byte-identical", async () => {
    const { port, storeDir, logs } = await startTestServer();
    const body = randomBytes(100_000);
    const header = { op: "put", name: "f", size: body.length, sha256: sha256(body) };
    const connection = await openConnection(port);
    await connection.request({ ...header, id: 1 });
    connection.send(body.subarray(0, 40_000));
    await waitUntil("40000 bytes in the partial", async () =>
      (await partialBytes(storeDir)) === 40_000 ? true : undefined,
    );
    connection.socket.resetAndDestroy();
    const closed = await waitUntil("the server to log the reset connection", () =>
      logs.find((line) => line.event === "connection-close"),
    );
    expect(closed.reason).toContain("ECONNRESET");
    expect(logs.find((line) => line.op === "put")).toMatchObject({ ok: false, offset: 0, bytes: 40_000 });
    expect(await readdir(storeDir)).toEqual([".socklab"]);
    const again = await openConnection(port);
    expect(await again.request({ ...header, id: 2 })).toMatchObject({ status: "ready", offset: 40_000 });
    again.send(body.subarray(40_000));
    expect(await again.reply()).toMatchObject({ ok: true, status: "stored" });
    expect(sha256(await readFile(join(storeDir, "f")))).toBe(sha256(body));
    expect(await partialsIn(storeDir)).toEqual([]);
  });

  it("resumes a large upload on a writer thread, which hashes the held bytes first", async () => {
    const { port, storeDir } = await startTestServer();
    const body = randomBytes(WORKER_MIN_BODY_BYTES + 2 * MIB);
    const header = { op: "put", name: "big", size: body.length, sha256: sha256(body) };
    const connection = await openConnection(port);
    await connection.request({ ...header, id: 1 });
    connection.send(body.subarray(0, MIB));
    await waitUntil("1 MiB in the partial", async () =>
      (await partialBytes(storeDir)) === MIB ? true : undefined,
    );
    expect(WorkerSink.alive).toBe(1);
    connection.socket.resetAndDestroy();
    await waitUntil("the writer thread to end", () => (WorkerSink.alive === 0 ? true : undefined));
    const again = await openConnection(port);
    expect(await again.request({ ...header, id: 2 })).toMatchObject({ status: "ready", offset: MIB });
    again.send(body.subarray(MIB));
    expect(await again.reply()).toMatchObject({ ok: true, status: "stored", sha256: sha256(body) });
    expect(sha256(await readFile(join(storeDir, "big")))).toBe(sha256(body));
  });

  it("stores large uploads beyond its writer threads whole, the one over the limit written inline", async () => {
    const { port, storeDir } = await startTestServer();
    const uploads = await Promise.all(
      Array.from({ length: MAX_WORKER_SINKS + 1 }, async (_, index) => ({
        name: `f${index}`,
        body: randomBytes(WORKER_MIN_BODY_BYTES),
        connection: await openConnection(port),
      })),
    );
    const started = await Promise.all(
      uploads.map(({ name, body, connection }) =>
        connection.request({ op: "put", id: name, name, size: body.length, sha256: sha256(body) }),
      ),
    );
    expect(started.map((reply) => reply["status"])).toEqual(uploads.map(() => "ready"));
    expect(WorkerSink.alive).toBe(MAX_WORKER_SINKS);
    for (const { body, connection } of uploads) connection.send(body);
    const stored = await Promise.all(uploads.map(({ connection }) => connection.reply()));
    expect(stored.map((reply) => reply["status"])).toEqual(uploads.map(() => "stored"));
    for (const { name, body } of uploads) {
      expect(sha256(await readFile(join(storeDir, name)))).toBe(sha256(body));
    }
  });

  it("hands a partial to a newer put of the same name and sha256, telling the older one UPLOAD_SUPERSEDED", async () => {
    const { port, storeDir } = await startTestServer();
    const body = randomBytes(10_000);
    const header = { op: "put", name: "f", size: body.length, sha256: sha256(body) };
    const first = await openConnection(port);
    await first.request({ ...header, id: "first" });
    first.send(body.subarray(0, 3_000));
    await waitUntil("3000 bytes in the partial", async () =>
      (await partialBytes(storeDir)) === 3_000 ? true : undefined,
    );
    const second = await openConnection(port);
    const ready = await second.request({ ...header, id: "second" });
    expect(ready).toMatchObject({ status: "ready", offset: 3_000 });
    const [superseded] = await first.serverClosed();
    expectError(superseded, "UPLOAD_SUPERSEDED", "first");
    second.send(body.subarray(3_000));
    expect(await second.reply()).toMatchObject({ ok: true, status: "stored" });
    expect(await readFile(join(storeDir, "f"))).toEqual(body);
  });

  it("tells a client over maxConnections TOO_MANY_CONNECTIONS and serves it once a slot is free", async () => {
    const { port } = await startTestServer({ maxConnections: 1 });
    const first = await openConnection(port);
    expect(await first.request({ op: "list", id: 1 })).toMatchObject({ ok: true });
    const second = await openConnection(port);
    const [refusal] = await second.serverClosed();
    expectError(refusal, "TOO_MANY_CONNECTIONS", null);
    first.end();
    await first.serverClosed();
    await waitUntil("a free connection slot", async () => {
      const third = await openConnection(port);
      const reply = await third.request({ op: "list", id: 3 }).catch(() => undefined);
      third.destroy();
      return reply?.["ok"] === true ? true : undefined;
    });
  });

  it("closes a connection that sends nothing for idleTimeoutMs with IDLE_TIMEOUT, keeping its partial", async () => {
    const { port, storeDir } = await startTestServer({ idleTimeoutMs: 200 });
    const connection = await openConnection(port);
    await connection.request({ op: "put", id: 1, name: "f", size: 10, sha256: SHA });
    connection.send("12345");
    const [reply] = await connection.serverClosed();
    expectError(reply, "IDLE_TIMEOUT", 1);
    expect(await partialBytes(storeDir)).toBe(5);
  });

  it("closes a connection whose header trickles in for longer than headerTimeoutMs with HEADER_TIMEOUT", async () => {
    const { port } = await startTestServer({ headerTimeoutMs: 300, idleTimeoutMs: 5_000 });
    const connection = await openConnection(port);
    const frame = encodeFrame({ op: "list", id: 1 });
    // A slowloris: a byte every 50 ms keeps the idle timeout away, not the header deadline.
    const dribble = (async () => {
      for (const byte of frame) {
        if (connection.socket.destroyed) return;
        connection.send(Uint8Array.of(byte));
        await delay(50);
      }
    })();
    const [reply] = await connection.serverClosed();
    expectError(reply, "HEADER_TIMEOUT", null);
    await dribble;
  });

  it("serves every header that arrives whole within headerTimeoutMs, however slowly each comes", async () => {
    const { port } = await startTestServer({ headerTimeoutMs: 400, idleTimeoutMs: 5_000 });
    const connection = await openConnection(port);
    // Three requests, each sent in two halves 150 ms apart: the clock restarts with every header.
    for (const id of [1, 2, 3]) {
      const frame = encodeFrame({ op: "list", id });
      connection.send(frame.subarray(0, 6));
      await delay(150);
      connection.send(frame.subarray(6));
      expect(await connection.reply()).toMatchObject({ id, ok: true });
      await delay(150);
    }
  });

  it("tells idle connections SHUTTING_DOWN when it stops", async () => {
    const { server, port } = await startTestServer();
    const connection = await openConnection(port);
    expect(await connection.request({ op: "list", id: 1 })).toMatchObject({ ok: true });
    const closing = server.close(5_000);
    const [reply] = await connection.serverClosed();
    expectError(reply, "SHUTTING_DOWN", null);
    await closing;
  });

  it("lets an upload in progress finish within the grace period when it stops", async () => {
    const { server, port, storeDir } = await startTestServer();
    const body = randomBytes(50_000);
    const connection = await openConnection(port);
    await connection.request({ op: "put", id: 1, name: "f", size: body.length, sha256: sha256(body) });
    connection.send(body.subarray(0, 10));
    const closing = server.close(10_000);
    connection.send(body.subarray(10));
    const [stored, shutdown] = await connection.serverClosed();
    expect(stored).toMatchObject({ ok: true, status: "stored" });
    expectError(shutdown, "SHUTTING_DOWN", null);
    await closing;
    expect(await readFile(join(storeDir, "f"))).toEqual(body);
  });
});

describe("file-transfer server: partials", () => {
  it("deletes a partial untouched for partialTtlMs, and a later put starts from 0", async () => {
    const { server, port, storeDir } = await startTestServer({ partialTtlMs: 50 });
    const body = randomBytes(1_000);
    const header = { op: "put", name: "f", size: body.length, sha256: sha256(body) };
    const connection = await openConnection(port);
    await connection.request({ ...header, id: 1 });
    connection.send(body.subarray(0, 500));
    connection.end();
    await connection.serverClosed();
    await waitUntil("the partial to expire", async () =>
      (await server.sweepPartials()).length > 0 ? true : undefined,
    );
    expect(await partialsIn(storeDir)).toEqual([]);
    const again = await openConnection(port);
    expect(await again.request({ ...header, id: 2 })).toMatchObject({ status: "ready", offset: 0 });
  });

  it("never sweeps the partial of an upload in progress", async () => {
    const { server, port, storeDir } = await startTestServer({ partialTtlMs: 0 });
    const connection = await openConnection(port);
    await connection.request({ op: "put", id: 1, name: "f", size: 10, sha256: SHA });
    connection.send("12345");
    await waitUntil("5 bytes in the partial", async () =>
      (await partialBytes(storeDir)) === 5 ? true : undefined,
    );
    expect(await server.sweepPartials()).toEqual([]);
    expect(await partialBytes(storeDir)).toBe(5);
  });

  it("keeps concurrent uploads to one name apart: the last to complete wins, whole", async () => {
    const { port, storeDir } = await startTestServer();
    const a = randomBytes(20_000);
    const b = randomBytes(30_000);
    const first = await openConnection(port);
    const second = await openConnection(port);
    await first.request({ op: "put", id: "a", name: "same", size: a.length, sha256: sha256(a) });
    await second.request({ op: "put", id: "b", name: "same", size: b.length, sha256: sha256(b) });
    first.send(a.subarray(0, 10_000));
    second.send(b.subarray(0, 10_000));
    await waitUntil("two partials of 10000 bytes", async () => {
      const sizes = await Promise.all(
        (await partialsIn(storeDir)).map(
          async (p) => (await stat(join(storeDir, ".socklab", "partial", p))).size,
        ),
      );
      return sizes.length === 2 && sizes.every((size) => size === 10_000) ? true : undefined;
    });
    second.send(b.subarray(10_000));
    expect(await second.reply()).toMatchObject({ ok: true, status: "stored" });
    expect(await readFile(join(storeDir, "same"))).toEqual(b);
    first.send(a.subarray(10_000));
    expect(await first.reply()).toMatchObject({ ok: true, status: "stored" });
    expect(await readFile(join(storeDir, "same"))).toEqual(a);
    const stat1 = await first.request({ op: "stat", id: 3, name: "same" });
    expect(stat1).toMatchObject({ size: a.length, sha256: sha256(a) });
  });

  it("finds partials left on disk by an earlier server and resumes them", async () => {
    const first = await startTestServer();
    const body = randomBytes(8_000);
    const header = { op: "put", name: "f", size: body.length, sha256: sha256(body) };
    const connection = await openConnection(first.port);
    await connection.request({ ...header, id: 1 });
    connection.send(body.subarray(0, 3_000));
    await waitUntil("3000 bytes in the partial", async () =>
      (await partialBytes(first.storeDir)) === 3_000 ? true : undefined,
    );
    await first.server.close(0);
    const second = await startFileTransferServer({
      storeDir: first.storeDir,
      port: 0,
      host: "127.0.0.1",
      log: () => undefined,
    });
    cleanups.push(() => second.close(0));
    const resumed = await openConnection(second.address.port);
    expect(await resumed.request({ ...header, id: 2 })).toMatchObject({ status: "ready", offset: 3_000 });
    resumed.send(body.subarray(3_000));
    expect(await resumed.reply()).toMatchObject({ ok: true, status: "stored" });
    expect(await readFile(join(first.storeDir, "f"))).toEqual(body);
  });
});
