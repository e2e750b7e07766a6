// What docs/protocols/file-transfer.md promises, point by point, against the real server over real sockets.
import { createHash, randomBytes } from "node:crypto";
import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import { once } from "node:events";
import { connect, type Socket } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { encodeFrame } from "../../protocol/file-transfer/encode-frame.ts";
import { FILE_TRANSFER_LIMITS } from "../../protocol/file-transfer/file-transfer-limits.ts";
import { FrameDecoder, type FrameHeader } from "../../protocol/file-transfer/frame-decoder.ts";
import type { FileTransferServerOptions } from "./file-transfer-server.ts";
import { RawTestConnection } from "./testing/raw-test-connection.ts";
import { startTemporaryFileTransfer } from "./testing/start-temporary-file-transfer.ts";
import { waitUntil } from "./testing/wait-until.ts";

const cleanups: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(options: Partial<FileTransferServerOptions> = {}) {
  const started = await startTemporaryFileTransfer(cleanups, { lingerMs: 1_000, ...options });
  const open = async (): Promise<RawTestConnection> => {
    const connection = await RawTestConnection.open(started.server.address.port);
    cleanups.push(() => Promise.resolve(connection.destroy()));
    return connection;
  };
  return { ...started, open };
}

function sha256(bytes: Uint8Array | string): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** A frame whose header is exactly these JSON bytes (encodeFrame would re-serialize them). */
function rawFrame(json: string | Uint8Array): Buffer {
  const bytes = typeof json === "string" ? Buffer.from(json, "utf8") : Buffer.from(json);
  const prefix = Buffer.alloc(4);
  prefix.writeUInt32BE(bytes.length);
  return Buffer.concat([prefix, bytes]);
}

async function partialSizes(storeDir: string): Promise<number[]> {
  const dir = join(storeDir, ".socklab", "partial");
  const sizes = await Promise.all((await readdir(dir)).map(async (key) => (await stat(join(dir, key))).size));
  return sizes.sort((a, b) => a - b);
}

/** Leaves a partial of `sent` bytes behind: the connection ends inside the body. */
async function leavePartial(
  open: () => Promise<RawTestConnection>,
  header: object,
  body: Uint8Array,
): Promise<void> {
  const connection = await open();
  expect(await connection.request(header)).toMatchObject({ status: "ready" });
  connection.send(body);
  connection.end();
  await connection.serverClosed();
}

function expectError(reply: FrameHeader | undefined, code: string, id?: string | number | null): void {
  expect(reply).toMatchObject({ ok: false, code });
  if (id !== undefined) expect(reply?.["id"]).toBe(id);
}

/** A client socket that stays open for writing after the server's FIN, as the document allows. */
async function openHalfOpen(port: number): Promise<Socket> {
  const socket = connect({ port, host: "127.0.0.1", allowHalfOpen: true });
  socket.on("error", () => undefined);
  cleanups.push(() => Promise.resolve(socket.destroy()));
  await once(socket, "connect");
  return socket;
}

/** The reply headers a socket receives until the server's FIN. */
async function readToEnd(socket: Socket): Promise<FrameHeader[]> {
  const decoder = new FrameDecoder();
  const headers: FrameHeader[] = [];
  for await (const chunk of socket.iterator({ destroyOnReturn: false }) as AsyncIterable<Uint8Array>) {
    for (const event of decoder.push(chunk)) if (event.kind === "header") headers.push(event.header);
  }
  return headers;
}

const SHA = "0".repeat(64);

describe("file-transfer, as the document says: framing", () => {
  it("refuses a 256-byte header sent with a little-endian prefix at once, with HEADER_TOO_LARGE", async () => {
    // 256 little-endian is 00 01 00 00, which a 2^16 limit would have read as 65,536 and waited for.
    const { open } = await setup({ headerTimeoutMs: 60_000 });
    const connection = await open();
    const header = Buffer.from(JSON.stringify({ op: "list", id: "x".repeat(235) }));
    expect(header.length).toBe(256);
    const prefix = Buffer.alloc(4);
    prefix.writeUInt32LE(header.length);
    connection.send(Buffer.concat([prefix, header]));
    const [reply] = await connection.serverClosed();
    expectError(reply, "HEADER_TOO_LARGE", null);
  });

  it("ignores a UTF-8 byte order mark before a header, and takes the last of duplicate keys", async () => {
    const { open } = await setup();
    const connection = await open();
    connection.send(
      rawFrame(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"op":"list","id":1}')])),
    );
    expect(await connection.reply()).toMatchObject({ id: 1, ok: true, op: "list" });
    connection.send(rawFrame('{"op":"stat","op":"list","id":2,"id":3}'));
    expect(await connection.reply()).toMatchObject({ id: 3, ok: true, op: "list" });
  });

  it("echoes a numeric id as the same number in its shortest form: 1.0, 1e2 and -0 come back as 1, 100 and 0", async () => {
    const { open } = await setup();
    const connection = await open();
    for (const [sent, echoed] of [
      ["1.0", 1],
      ["1e2", 100],
      ["-0", 0],
      ["-7", -7],
      ['"007"', "007"],
    ] as const) {
      connection.send(rawFrame(`{"op":"list","id":${sent}}`));
      const reply = await connection.reply();
      expect(reply).toMatchObject({ ok: true });
      expect(Object.is(reply["id"], echoed)).toBe(true);
    }
    for (const bad of ["1.5", "9007199254740992", '""', "true"]) {
      connection.send(rawFrame(`{"op":"list","id":${bad}}`));
      expectError(await connection.reply(), "BAD_ID", null);
    }
  });

  it("checks a request in the documented order: id, op, then each field of the op in turn, then the store", async () => {
    const { open } = await setup();
    const connection = await open();
    await connection.request({ op: "put", id: 0, name: "f", size: 2, sha256: sha256("v1") });
    connection.send("v1");
    expect(await connection.reply()).toMatchObject({ status: "stored" });
    const cases: [object, string][] = [
      [{ op: "nope", id: 1.5, name: "..", size: -1 }, "BAD_ID"],
      [{ op: "nope", id: 1, name: ".." }, "UNKNOWN_OP"],
      [{ op: "put", id: 1, name: "..", size: -1, sha256: "x" }, "NAME_DOT_DOT"],
      [{ op: "put", id: 1, size: -1 }, "MISSING_FIELD"],
      [{ op: "put", id: 1, name: "f", size: -1, sha256: "x" }, "BAD_SIZE"],
      [{ op: "put", id: 1, name: "f", size: 2 ** 60, sha256: "x" }, "BAD_SIZE"],
      [{ op: "put", id: 1, name: "f", size: 1, sha256: "x" }, "BAD_SHA256"],
      [{ op: "put", id: 1, name: "f", size: 1 }, "MISSING_FIELD"],
      [{ op: "put", id: 1, name: "f", size: 1, sha256: SHA, trailer: true }, "BAD_TYPE"],
      [{ op: "get", id: 1, name: "f", offset: -1, sha256: "x" }, "BAD_OFFSET"],
      [{ op: "get", id: 1, name: "missing", offset: 99, sha256: SHA }, "NOT_FOUND"],
      [{ op: "get", id: 1, name: "f", offset: 99, sha256: SHA }, "FILE_CHANGED"],
      [{ op: "get", id: 1, name: "f", offset: 99 }, "BAD_OFFSET"],
    ];
    for (const [request, code] of cases) {
      const reply = await connection.request(request);
      expect({ request, code: reply["code"] }).toEqual({ request, code });
    }
  });
});

describe("file-transfer, as the document says: timeouts and closing", () => {
  it("starts the header clock at the first byte of the length prefix", async () => {
    const { open } = await setup({ headerTimeoutMs: 200, idleTimeoutMs: 60_000 });
    const connection = await open();
    connection.send(new Uint8Array([0, 0, 0, 20]));
    const [reply] = await connection.serverClosed();
    expectError(reply, "HEADER_TIMEOUT", null);
  });

  it("after a closing error, drops what the client still sends and closes as soon as the client does", async () => {
    const { server, logs } = await setup({ lingerMs: 60_000 });
    const socket = await openHalfOpen(server.address.port);
    socket.write(new Uint8Array([0xff, 0xff, 0xff, 0xff]));
    expectError((await readToEnd(socket))[0], "HEADER_TOO_LARGE", null);
    const written = Promise.withResolvers<undefined>();
    socket.write(randomBytes(1024 * 1024), (error) =>
      error ? written.reject(error) : written.resolve(undefined),
    );
    await written.promise;
    socket.end();
    await once(socket, "close");
    const closed = await waitUntil("the server to close its end", () =>
      logs.find((line) => line.event === "connection-close"),
    );
    expect(closed).toMatchObject({ reason: "HEADER_TOO_LARGE" });
    expect(socket.errored).toBeNull();
  });

  it("after a closing error, closes a client that never closes once lingerMs pass", async () => {
    const { server, logs } = await setup({ lingerMs: 100 });
    const socket = await openHalfOpen(server.address.port);
    socket.write(new Uint8Array([0xff, 0xff, 0xff, 0xff]));
    expectError((await readToEnd(socket))[0], "HEADER_TOO_LARGE", null);
    await waitUntil("the server to close its end", () =>
      logs.find((line) => line.event === "connection-close"),
    );
    expect(socket.writableEnded).toBe(false);
  });
});

describe("file-transfer, as the document says: put", () => {
  it("keeps a partial apart per size: a put with the same hash and another size neither drops nor uses it", async () => {
    const { open, storeDir } = await setup();
    const body = randomBytes(20);
    const header = { op: "put", id: 1, name: "f", size: 20, sha256: sha256(body) };
    await leavePartial(open, header, body.subarray(0, 10));
    const connection = await open();
    expect(await connection.request({ ...header, id: 2, size: 5 })).toMatchObject({ offset: 0 });
    connection.send(body.subarray(0, 5));
    expectError(await connection.reply(), "HASH_MISMATCH", 2);
    expect(await partialSizes(storeDir)).toEqual([10]);
    expect(await connection.request({ ...header, id: 3 })).toMatchObject({ offset: 10 });
    connection.send(body.subarray(10));
    expect(await connection.reply()).toMatchObject({ status: "stored", sha256: sha256(body) });
  });

  it("on HASH_MISMATCH deletes the partial and leaves a file already stored under the name as it was", async () => {
    const { open, storeDir } = await setup();
    const connection = await open();
    await connection.request({ op: "put", id: 1, name: "f", size: 2, sha256: sha256("v1") });
    connection.send("v1");
    expect(await connection.reply()).toMatchObject({ status: "stored" });
    await connection.request({ op: "put", id: 2, name: "f", size: 2, sha256: sha256("v2") });
    connection.send("XX");
    expectError(await connection.reply(), "HASH_MISMATCH", 2);
    expect(await readFile(join(storeDir, "f"), "utf8")).toBe("v1");
    expect(await partialSizes(storeDir)).toEqual([]);
  });

  it("takes the hash in a trailer frame after the body, and stores the file only if it matches", async () => {
    const { open, storeDir, logs } = await setup();
    const body = randomBytes(100_000);
    const connection = await open();
    const ready = await connection.request({ op: "put", id: 1, name: "t", size: body.length, trailer: true });
    expect(ready).toEqual({ id: 1, ok: true, op: "put", status: "ready", offset: 0 });
    connection.send(body);
    connection.sendFrame({ sha256: sha256(body).toUpperCase() });
    expect(await connection.reply()).toEqual({
      id: 1,
      ok: true,
      op: "put",
      status: "stored",
      name: "t",
      size: body.length,
      sha256: sha256(body),
    });
    expect((await readFile(join(storeDir, "t"))).equals(body)).toBe(true);
    await connection.request({ op: "put", id: 2, name: "t", size: 3, trailer: true });
    connection.send("abc");
    connection.sendFrame({ sha256: SHA });
    expectError(await connection.reply(), "HASH_MISMATCH", 2);
    expect((await readFile(join(storeDir, "t"))).equals(body)).toBe(true);
    expect(await partialSizes(storeDir)).toEqual([]);
    expect(logs.filter((line) => line.op === "put").map((line) => line.hashIn)).toEqual([
      "trailer",
      "trailer",
    ]);
  });

  it("answers a trailer that is not one with its code, keeps the partial, and a resume sends only the trailer", async () => {
    const { open, storeDir } = await setup();
    const connection = await open();
    const header = { op: "put", id: 1, name: "t", size: 3, trailer: true };
    await connection.request(header);
    connection.send("abc");
    connection.send(rawFrame("{oops"));
    expectError(await connection.reply(), "MALFORMED_JSON", 1);
    expect(await connection.request({ ...header, id: 2 })).toMatchObject({ offset: 3 });
    connection.sendFrame({ sha: sha256("abc") });
    expectError(await connection.reply(), "MISSING_FIELD", 2);
    expect(await partialSizes(storeDir)).toEqual([3]);
    expect(await connection.request({ ...header, id: 3 })).toMatchObject({ offset: 3 });
    connection.sendFrame({ sha256: sha256("abc") });
    expect(await connection.reply()).toMatchObject({ id: 3, status: "stored" });
    expect(await readFile(join(storeDir, "t"), "utf8")).toBe("abc");
    await connection.request({ ...header, id: 4 });
    connection.send("abc");
    connection.send(new Uint8Array([0xff, 0xff, 0xff, 0xff]));
    expectError((await connection.serverClosed())[0], "HEADER_TOO_LARGE", 4);
  });

  it("says TRUNCATED_FRAME, with the put's id, when the client closes before the trailer, and keeps the partial", async () => {
    const { open, storeDir } = await setup();
    const connection = await open();
    await connection.request({ op: "put", id: "p", name: "t", size: 3, trailer: true });
    connection.send("abc");
    connection.end();
    const [reply] = await connection.serverClosed();
    expectError(reply, "TRUNCATED_FRAME", "p");
    expect(await partialSizes(storeDir)).toEqual([3]);
  });

  it("cuts a trailer that trickles with HEADER_TIMEOUT and the put's id, keeping the partial", async () => {
    const { open, storeDir, logs } = await setup({ headerTimeoutMs: 200, idleTimeoutMs: 60_000 });
    const connection = await open();
    await connection.request({ op: "put", id: "slow", name: "t", size: 3, trailer: true });
    connection.send("abc");
    connection.send(encodeFrame({ sha256: sha256("abc") }).subarray(0, 10));
    const [reply] = await connection.serverClosed();
    expectError(reply, "HEADER_TIMEOUT", "slow");
    await waitUntil("the put's log line", () =>
      logs.find((line) => line.op === "put" && line.code === "HEADER_TIMEOUT"),
    );
    expect(await partialSizes(storeDir)).toEqual([3]);
  });

  it("abandons every partial of a name, ending an upload that is writing one with UPLOAD_SUPERSEDED", async () => {
    const { open, storeDir } = await setup();
    const body = randomBytes(1_000);
    await leavePartial(
      open,
      { op: "put", id: 1, name: "a", size: 1_000, sha256: sha256(body) },
      body.subarray(0, 300),
    );
    await leavePartial(
      open,
      { op: "put", id: 2, name: "a", size: 1_000, trailer: true },
      body.subarray(0, 200),
    );
    await leavePartial(
      open,
      { op: "put", id: 3, name: "b", size: 1_000, trailer: true },
      body.subarray(0, 100),
    );
    const writing = await open();
    await writing.request({ op: "put", id: "w", name: "a", size: 5, sha256: SHA });
    writing.send("12");
    await waitUntil("4 partials", async () =>
      (await partialSizes(storeDir)).length === 4 ? true : undefined,
    );
    const connection = await open();
    expect(await connection.request({ op: "abandon", id: 4, name: "a" })).toEqual({
      id: 4,
      ok: true,
      op: "abandon",
      name: "a",
      abandonedPartials: 3,
      abandonedBytes: 502,
    });
    expectError((await writing.serverClosed())[0], "UPLOAD_SUPERSEDED", "w");
    expect(await partialSizes(storeDir)).toEqual([100]);
    expect(await connection.request({ op: "abandon", id: 5, name: "a" })).toMatchObject({
      abandonedPartials: 0,
    });
    expectError(await connection.request({ op: "abandon", id: 6, name: "../a" }), "NAME_DOT_DOT", 6);
  });
});

describe("file-transfer, as the document says: list", () => {
  it("starts after any string `after` names, stored or not, and refuses an `after` that is not a string", async () => {
    const { open, storeDir } = await setup();
    await Promise.all(["a", "b", "c"].map((name) => writeFile(join(storeDir, name), name)));
    const connection = await open();
    const names = async (after?: unknown): Promise<string[]> => {
      const reply = await connection.request(
        after === undefined ? { op: "list", id: 1 } : { op: "list", id: 1, after },
      );
      return (reply["files"] as { name: string }[]).map((file) => file.name);
    };
    expect(await names()).toEqual(["a", "b", "c"]);
    expect(await names("")).toEqual(["a", "b", "c"]);
    expect(await names("a")).toEqual(["b", "c"]);
    expect(await names("ab")).toEqual(["b", "c"]);
    expect(await names("../zz")).toEqual(["a", "b", "c"]);
    expect(await names("c")).toEqual([]);
    expectError(await connection.request({ op: "list", id: 2, after: 5 }), "BAD_TYPE", 2);
  });

  it("fills each page up to the header limit (far fewer than 1,000 entries for long names), whatever the id", async () => {
    const { open, storeDir } = await setup();
    const names = Array.from({ length: 600 }, (_, i) => `${String(i).padStart(4, "0")}${"n".repeat(251)}`);
    await Promise.all(names.map((name) => writeFile(join(storeDir, name), "x")));
    const connection = await open();
    // 128 bytes of control characters: 768 bytes once escaped in the reply's JSON.
    const id = "\u0001".repeat(FILE_TRANSFER_LIMITS.maxIdBytes);
    const seen: string[] = [];
    const pageSizes: number[] = [];
    for (let after: string | undefined, more = true; more;) {
      const reply = await connection.request({ op: "list", id, ...(after === undefined ? {} : { after }) });
      expect(encodeFrame(reply).length - 4).toBeLessThanOrEqual(FILE_TRANSFER_LIMITS.maxHeaderBytes);
      const files = reply["files"] as { name: string }[];
      pageSizes.push(files.length);
      seen.push(...files.map((file) => file.name));
      more = reply["more"] === true;
      after = files.at(-1)?.name;
    }
    expect(seen).toEqual(names);
    expect(Math.max(...pageSizes)).toBeLessThan(300);
  });

  it("shows a file's sha256 once the server has it recorded, and never hashes to list", async () => {
    const { open, storeDir } = await setup();
    await writeFile(join(storeDir, "dropped-in"), "by hand");
    const connection = await open();
    expect(await connection.request({ op: "list", id: 1 })).toMatchObject({
      files: [{ name: "dropped-in", size: 7 }],
    });
    expect((await connection.request({ op: "list", id: 2 }))["files"]).toEqual([
      { name: "dropped-in", size: 7, modifiedMs: expect.any(Number) as unknown },
    ]);
    await connection.request({ op: "stat", id: 3, name: "dropped-in" });
    expect(await connection.request({ op: "list", id: 4 })).toMatchObject({
      files: [{ name: "dropped-in", sha256: sha256("by hand") }],
    });
  });
});
