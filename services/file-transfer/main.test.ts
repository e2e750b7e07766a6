import { type ChildProcessByStdio, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { once } from "node:events";
import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { startFileTransferServer } from "./file-transfer-server.ts";
import { RawTestConnection } from "./testing/raw-test-connection.ts";
import { waitUntil } from "./testing/wait-until.ts";

const MAIN = join(import.meta.dirname, "main.ts");
const MIB = 1024 * 1024;
const cleanups: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

type ServiceProcess = ChildProcessByStdio<null, Readable, Readable>;

/** Starts main.ts as the container would, on a free port; resolves with the port from its `listening` line. */
async function startServiceProcess(
  storeDir: string,
): Promise<{ child: ServiceProcess; port: number; lines: string[] }> {
  const child = spawn(process.execPath, [MAIN], {
    env: { ...process.env, SOCKLAB_PORT: "0", SOCKLAB_HOST: "127.0.0.1", SOCKLAB_STORE_DIR: storeDir },
    stdio: ["ignore", "pipe", "pipe"],
  });
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGKILL");
      await once(child, "exit");
    }
  });
  const lines: string[] = [];
  const port = new Promise<number>((resolve, reject) => {
    createInterface({ input: child.stdout }).on("line", (line) => {
      lines.push(line);
      const listening = /listening on .*:(\d+)"/.exec(line);
      if (listening?.[1] !== undefined) resolve(Number(listening[1]));
    });
    child.on("exit", (code) => reject(new Error(`main.ts exited with ${code}: ${lines.join("\n")}`)));
  });
  return { child, port: await port, lines };
}

describe("file-transfer main.ts", () => {
  it("keeps a partial upload through a SIGKILL, and a restarted server resumes it", async () => {
    const storeDir = await mkdtemp(join(tmpdir(), "socklab-ft-main-"));
    cleanups.push(() => rm(storeDir, { recursive: true, force: true }));
    const { child, port } = await startServiceProcess(storeDir);
    const body = randomBytes(3 * MIB);
    const header = {
      op: "put",
      name: "killed.bin",
      size: body.length,
      sha256: createHash("sha256").update(body).digest("hex"),
    };
    const first = await RawTestConnection.open(port);
    cleanups.push(() => Promise.resolve(first.destroy()));
    expect(await first.request({ ...header, id: 1 })).toMatchObject({ status: "ready", offset: 0 });
    first.send(body.subarray(0, MIB));
    const partialDir = join(storeDir, ".socklab", "partial");
    await waitUntil("1 MiB in the partial", async () => {
      const [partial] = await readdir(partialDir);
      return partial !== undefined && (await stat(join(partialDir, partial))).size === MIB ? true : undefined;
    });

    child.kill("SIGKILL");
    const [, signal] = (await once(child, "exit")) as [number | null, string | null];
    expect(signal).toBe("SIGKILL");

    const restarted = await startFileTransferServer({
      storeDir,
      port: 0,
      host: "127.0.0.1",
      log: () => undefined,
    });
    cleanups.push(() => restarted.close(0));
    const second = await RawTestConnection.open(restarted.address.port);
    cleanups.push(() => Promise.resolve(second.destroy()));
    expect(await second.request({ ...header, id: 2 })).toMatchObject({ status: "ready", offset: MIB });
    second.send(body.subarray(MIB));
    expect(await second.reply()).toMatchObject({ ok: true, status: "stored" });
    expect((await readFile(join(storeDir, "killed.bin"))).equals(body)).toBe(true);
  });

  it("logs the starting/listening pair and stops cleanly on SIGTERM", async () => {
    const storeDir = await mkdtemp(join(tmpdir(), "socklab-ft-main-"));
    cleanups.push(() => rm(storeDir, { recursive: true, force: true }));
    const { child, port, lines } = await startServiceProcess(storeDir);
    // One round trip: the process has finished starting (and set its signal handlers) once it answers.
    const connection = await RawTestConnection.open(port);
    expect(await connection.request({ op: "list", id: 1 })).toMatchObject({ ok: true });
    connection.destroy();
    child.kill("SIGTERM");
    const [code] = (await once(child, "exit")) as [number | null, string | null];
    expect(code).toBe(0);
    const events = lines.map((line) => (JSON.parse(line) as { event: string }).event);
    expect(events.filter((event) => !event.startsWith("connection-") && event !== "op")).toEqual([
      "starting",
      "listening",
      "stopping",
      "stopped",
    ]);
  });
});
