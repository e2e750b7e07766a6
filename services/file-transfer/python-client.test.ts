import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { RunningFileTransferServer } from "./file-transfer-server.ts";
import {
  startTemporaryFileTransfer,
  type TemporaryFileTransfer,
} from "./testing/start-temporary-file-transfer.ts";
import { RawTestConnection } from "./testing/raw-test-connection.ts";
import { waitUntil } from "./testing/wait-until.ts";

const PYTHON_CLIENT = join(import.meta.dirname, "..", "..", "docs", "protocols", "file_transfer_client.py");
const cleanups: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface PythonRun {
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the doc's Python client as a learner would, against the in-process server. */
function runPythonClient(port: number, ...args: string[]): Promise<PythonRun> {
  return new Promise((resolve, reject) => {
    const child = spawn("python3", [PYTHON_CLIENT, "--host", "127.0.0.1", "--port", String(port), ...args], {
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (text: string) => (stdout += text));
    child.stderr.setEncoding("utf8").on("data", (text: string) => (stderr += text));
    child.on("error", reject);
    child.on("close", (exitCode) => resolve({ exitCode, stdout, stderr }));
  });
}

async function setup(): Promise<{
  server: RunningFileTransferServer;
  dir: string;
  storeDir: string;
  logs: TemporaryFileTransfer["logs"];
}> {
  const { server, workDir, storeDir, logs } = await startTemporaryFileTransfer(cleanups);
  return { server, dir: workDir, storeDir, logs };
}

describe("the Python client in docs/protocols", () => {
  it("uploads, lists and downloads a binary file whole, and reports the server's codes", async () => {
    const { server, dir, storeDir } = await setup();
    const port = server.address.port;
    const body = randomBytes(2 * 1024 * 1024 + 3);
    const sha256 = createHash("sha256").update(body).digest("hex");
    await writeFile(join(dir, "upload.bin"), body);

    const put = await runPythonClient(port, "put", join(dir, "upload.bin"), "from-python.bin");
    expect(put).toMatchObject({ exitCode: 0, stderr: "" });
    expect(put.stdout).toContain(
      `stored from-python.bin (${body.length} bytes, sha256 ${sha256}), resumed from byte 0`,
    );
    expect((await readFile(join(storeDir, "from-python.bin"))).equals(body)).toBe(true);

    const list = await runPythonClient(port, "list");
    expect(list.stdout).toMatch(new RegExp(`^\\s*${body.length}  from-python.bin$`, "m"));

    const get = await runPythonClient(port, "get", "from-python.bin", join(dir, "download.bin"));
    expect(get).toMatchObject({ exitCode: 0, stderr: "" });
    expect((await readFile(join(dir, "download.bin"))).equals(body)).toBe(true);
    expect((await readdir(dir)).sort()).toEqual(["download.bin", "store", "upload.bin"]);

    const missing = await runPythonClient(port, "stat", "nothing-here");
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toContain("NOT_FOUND");
    const escape = await runPythonClient(port, "put", join(dir, "upload.bin"), "../escape");
    expect(escape.exitCode).toBe(1);
    expect(escape.stderr).toContain("NAME_DOT_DOT");
  });

  it("resumes an upload that another client left unfinished", async () => {
    const { server, dir, storeDir } = await setup();
    const port = server.address.port;
    const body = randomBytes(500_000);
    const sha256 = createHash("sha256").update(body).digest("hex");
    await writeFile(join(dir, "resume.bin"), body);
    const raw = await RawTestConnection.open(port);
    cleanups.push(() => Promise.resolve(raw.destroy()));
    await raw.request({ op: "put", id: 1, name: "resume.bin", size: body.length, sha256 });
    raw.send(body.subarray(0, 200_000));
    raw.end();
    await raw.serverClosed();
    const partialDir = join(storeDir, ".socklab", "partial");
    await waitUntil("a 200000-byte partial", async () => {
      const [partial] = await readdir(partialDir);
      return partial !== undefined && (await stat(join(partialDir, partial))).size === 200_000
        ? true
        : undefined;
    });

    const put = await runPythonClient(port, "put", join(dir, "resume.bin"));
    expect(put).toMatchObject({ exitCode: 0, stderr: "" });
    expect(put.stdout).toContain("resumed from byte 200000");
    expect((await readFile(join(storeDir, "resume.bin"))).equals(body)).toBe(true);
  });

  it("uploads in one pass with --hash-after, the hash in a trailer, and resumes such an upload", async () => {
    const { server, dir, storeDir, logs } = await setup();
    const port = server.address.port;
    const body = randomBytes(1_500_000);
    const sha256 = createHash("sha256").update(body).digest("hex");
    await writeFile(join(dir, "after.bin"), body);
    const raw = await RawTestConnection.open(port);
    cleanups.push(() => Promise.resolve(raw.destroy()));
    await raw.request({ op: "put", id: 1, name: "after.bin", size: body.length, trailer: true });
    raw.send(body.subarray(0, 600_000));
    raw.end();
    await raw.serverClosed();
    await waitUntil("the server to log the cut upload", () =>
      logs.find((line) => line.op === "put" && line.code === "TRUNCATED_BODY"),
    );

    const put = await runPythonClient(port, "put", "--hash-after", join(dir, "after.bin"));
    expect(put).toMatchObject({ exitCode: 0, stderr: "" });
    expect(put.stdout).toContain(
      `stored after.bin (${body.length} bytes, sha256 ${sha256}), resumed from byte 600000`,
    );
    expect((await readFile(join(storeDir, "after.bin"))).equals(body)).toBe(true);
    expect(logs.filter((line) => line.op === "put" && line.ok === true)).toMatchObject([
      { hashIn: "trailer" },
    ]);
  });

  it("abandons the partial uploads of a name", async () => {
    const { server, storeDir } = await setup();
    const port = server.address.port;
    const raw = await RawTestConnection.open(port);
    cleanups.push(() => Promise.resolve(raw.destroy()));
    await raw.request({ op: "put", id: 1, name: "left.bin", size: 10, trailer: true });
    raw.send("12345");
    raw.end();
    await raw.serverClosed();
    const partialDir = join(storeDir, ".socklab", "partial");
    await waitUntil("the partial to be let go", async () => {
      const abandon = await runPythonClient(port, "abandon", "left.bin");
      return abandon.stdout.includes("abandoned 1 partial uploads of left.bin (5 bytes)")
        ? abandon
        : undefined;
    });
    expect(await readdir(partialDir)).toEqual([]);
  });
});
