import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dockerClient } from "../../labkit/docker/docker-client.ts";
import { readJsonLogLines } from "../../labkit/docker/read-container-logs.ts";
import { applyFault } from "../../labkit/fault/apply-fault.ts";
import { startLab, type Lab } from "../../labkit/lab/start-lab.ts";
import { waitFor } from "../../labkit/wait-for.ts";
import { recordFailureEvidence } from "../support/record-failure-evidence.ts";

const MIB = 1024 * 1024;

interface PutResult {
  name: string;
  size: number;
  sha256: string;
  resumedFromBytes: number;
}

let lab: Lab;

beforeAll(async () => {
  lab = await startLab();
});

// A failing check leaves the ladder, both tables and both pcaps of its last connections in lab-evidence/.
recordFailureEvidence(() => lab, { services: ["workbench", "file-transfer"] });

afterAll(async () => {
  await lab.down();
});

const sha256Of = async (file: string) =>
  (await lab.sh("workbench", `sha256sum ${file} | cut -d' ' -f1`)).trim();
const storedNames = async () =>
  (JSON.parse(await lab.sh("workbench", "socklab ls --json")) as { name: string }[]).map((f) => f.name);

/** Slows the workbench's uploads to about 3 MB/s around `body`, so that a test can act mid-transfer. */
async function whileThrottled<T>(body: () => Promise<T>): Promise<T> {
  await using _fault = await applyFault(lab, {
    kind: "bandwidth",
    service: "workbench",
    rateKbitPerSecond: 24_000,
    seconds: 120,
  });
  return await body();
}

/**
 * Starts `command` in the background in the workbench; its PID, its output and (once it ends) its
 * exit status go to /tmp/<tag>.pid, .log and .rc.
 */
async function startInWorkbench(tag: string, command: string): Promise<void> {
  const files = `/tmp/${tag}`;
  await lab.sh(
    "workbench",
    `sh -c '${command} >${files}.log 2>&1 & echo $! >${files}.pid; wait $!; echo $? >${files}.rc' >/dev/null 2>&1 &`,
  );
}

/** The exit status of a command started by startInWorkbench, once it has ended. */
async function exitStatusOf(tag: string): Promise<number> {
  const rc = await waitFor(
    async () => (await lab.exec("workbench", ["cat", `/tmp/${tag}.rc`])).stdout.trim() || undefined,
    { timeoutMs: 30_000, what: `${tag} in the workbench to exit` },
  );
  return Number(rc);
}

const partialKeySuffix = (name: string) => createHash("sha256").update(name, "utf8").digest("hex");

/** Bytes of each partial the server holds for `name` (one per sha256 being uploaded to it). */
async function partialsFor(name: string): Promise<number[]> {
  const found = await lab.sh(
    "file-transfer",
    `find /data/.socklab/partial -type f -name '*-${partialKeySuffix(name)}' -printf '%s\\n'`,
  );
  return found.split("\n").filter(Boolean).map(Number);
}

/** The server's log lines of finished or cut puts to `name`, in the order it wrote them. */
async function putLogLines(name: string): Promise<Record<string, unknown>[]> {
  return (await readJsonLogLines(lab.containerId("file-transfer"))).filter(
    (line) => line["event"] === "op" && line["op"] === "put" && line["name"] === name,
  );
}

async function restartFileTransfer(kill: boolean): Promise<void> {
  const container = dockerClient().getContainer(lab.containerId("file-transfer"));
  await (kill ? container.kill({ signal: "SIGKILL" }) : container.stop());
  await waitFor(async () => ((await container.inspect()).State.Running ? undefined : true), {
    timeoutMs: 10_000,
    what: "file-transfer to stop",
  });
  await container.start();
  await waitFor(
    async () => ((await container.inspect()).State.Health?.Status === "healthy" ? true : undefined),
    {
      timeoutMs: 30_000,
      what: "file-transfer to be healthy again",
    },
  );
}

describe("file-transfer, driven from the workbench", () => {
  it("moves 200 MiB up and down with socklab, hash checked at both ends", async () => {
    await lab.sh("workbench", `head -c ${200 * MIB} /dev/urandom >/tmp/big`);
    const put = JSON.parse(await lab.sh("workbench", "socklab put /tmp/big big.bin --json")) as PutResult;
    expect(put).toMatchObject({ name: "big.bin", size: 200 * MIB, sha256: await sha256Of("/tmp/big") });
    await lab.sh("workbench", "socklab get big.bin /tmp/big.back --json");
    expect(await sha256Of("/tmp/big.back")).toBe(put.sha256);
    await lab.sh("workbench", "rm /tmp/big /tmp/big.back && socklab rm big.bin");
  });

  it("moves a file with the Python client of the protocol doc, the exact file", async () => {
    const py = "python3 /app/docs/protocols/file_transfer_client.py --host file-transfer --port 9000";
    await lab.sh("workbench", `head -c ${3 * MIB} /dev/urandom >/tmp/py.bin && ${py} put /tmp/py.bin py.bin`);
    await lab.sh("workbench", `${py} get py.bin /tmp/py.back && cmp /tmp/py.bin /tmp/py.back`);
    expect(await storedNames()).toContain("py.bin");
  });

  it("resumes an upload cut by SIGKILL of the server, and keeps the partial out of sight meanwhile", async () => {
    await lab.sh("workbench", `head -c ${24 * MIB} /dev/urandom >/tmp/slow.bin`);
    // About 3 MB/s out of the workbench: the upload takes seconds, not milliseconds.
    await whileThrottled(async () => {
      await startInWorkbench("put1", "socklab put /tmp/slow.bin slow.bin");
      await waitFor(async () => ((await partialsFor("slow.bin"))[0] ?? 0) > 2 * MIB || undefined, {
        timeoutMs: 20_000,
        what: "the server to hold 2 MiB of the upload",
      });
      expect(await storedNames()).not.toContain("slow.bin");
      await restartFileTransfer(true);
    });
    expect(await exitStatusOf("put1")).not.toBe(0);
    const resumed = JSON.parse(
      await lab.sh("workbench", "socklab put /tmp/slow.bin slow.bin --json"),
    ) as PutResult;
    expect(resumed.resumedFromBytes).toBeGreaterThan(0);
    expect(resumed.sha256).toBe(await sha256Of("/tmp/slow.bin"));
    await lab.sh("workbench", "socklab get slow.bin /tmp/slow.back && cmp /tmp/slow.bin /tmp/slow.back");
  });

  it("resumes an upload whose socklab put was killed with SIGKILL mid-body, byte-identical", async () => {
    await lab.sh("workbench", `head -c ${24 * MIB} /dev/urandom >/tmp/killed.bin`);
    await whileThrottled(async () => {
      await startInWorkbench("killed1", "socklab put /tmp/killed.bin killed.bin");
      await waitFor(async () => ((await partialsFor("killed.bin"))[0] ?? 0) > 2 * MIB || undefined, {
        timeoutMs: 20_000,
        what: "the server to hold 2 MiB of the upload",
      });
      await lab.sh("workbench", "kill -KILL $(cat /tmp/killed1.pid)");
      expect(await exitStatusOf("killed1")).toBe(128 + 9);
    });
    // The kernel closes the dead client's socket: the server sees the body end early and keeps it.
    const [cut] = await waitFor(
      async () => {
        const lines = await putLogLines("killed.bin");
        return lines.length > 0 ? lines : undefined;
      },
      { timeoutMs: 20_000, what: "the server to log the cut upload" },
    );
    expect(cut).toMatchObject({ ok: false, code: "TRUNCATED_BODY", offset: 0 });
    const held = cut?.["bytes"] as number;
    expect(held).toBeGreaterThan(2 * MIB);
    expect(await storedNames()).not.toContain("killed.bin");
    const resumed = await lab.sh("workbench", "socklab put /tmp/killed.bin killed.bin");
    expect(resumed).toContain(`, resumed from byte ${held})`);
    await lab.sh(
      "workbench",
      "socklab get killed.bin /tmp/killed.back && cmp /tmp/killed.bin /tmp/killed.back",
    );
    await lab.sh("workbench", "rm /tmp/killed.bin /tmp/killed.back");
  });

  it("keeps the store across a restart of the service (a named volume)", async () => {
    await lab.sh(
      "workbench",
      "printf 'kept across restarts' >/tmp/kept.txt && socklab put /tmp/kept.txt kept.txt",
    );
    await restartFileTransfer(false);
    expect(await storedNames()).toContain("kept.txt");
    expect(
      await lab.sh("workbench", "socklab get kept.txt /tmp/kept.back >/dev/null && cat /tmp/kept.back"),
    ).toBe("kept across restarts");
  });

  it("lets the last of two overlapping uploads to one name win, whole", async () => {
    // Different sizes, so that the server's log lines (which carry sizes, not hashes) tell them apart.
    const sizes = { a: 4 * MIB, b: 10 * MIB };
    await lab.sh(
      "workbench",
      `head -c ${sizes.a} /dev/urandom >/tmp/a && head -c ${sizes.b} /dev/urandom >/tmp/b`,
    );
    const sha = { a: await sha256Of("/tmp/a"), b: await sha256Of("/tmp/b") };
    await whileThrottled(async () => {
      await startInWorkbench("put-a", "socklab put /tmp/a same.bin --json");
      await startInWorkbench("put-b", "socklab put /tmp/b same.bin --json");
      // Both in flight at once: the server holds a partial of each for the one name.
      await waitFor(
        async () => {
          const held = await partialsFor("same.bin");
          return held.length === 2 && held.every((bytes) => bytes > 0) ? true : undefined;
        },
        { timeoutMs: 20_000, what: "two partials of same.bin at once" },
      );
      expect(await exitStatusOf("put-a")).toBe(0);
      expect(await exitStatusOf("put-b")).toBe(0);
    });
    for (const which of ["a", "b"] as const) {
      const reply = JSON.parse(await lab.sh("workbench", `cat /tmp/put-${which}.log`)) as PutResult;
      expect(reply).toMatchObject({ name: "same.bin", size: sizes[which], sha256: sha[which] });
    }
    const stored = (await putLogLines("same.bin")).filter((line) => line["ok"] === true);
    expect(new Set(stored.map((line) => line["size"]))).toEqual(new Set([sizes.a, sizes.b]));
    const lastSize = stored.at(-1)?.["size"];
    const winner = lastSize === sizes.a ? "a" : "b";
    await lab.sh("workbench", "socklab get same.bin /tmp/same.back");
    expect(await sha256Of("/tmp/same.back")).toBe(sha[winner]);
    expect(await partialsFor("same.bin")).toEqual([]);
  });

  it("refuses names outside the store with a clear code, and keeps serving", async () => {
    for (const [name, code] of [
      ["../escape", "NAME_DOT_DOT"],
      ["/etc/passwd", "NAME_ABSOLUTE"],
      ["a/b", "NAME_SEPARATOR"],
    ] as const) {
      const run = await lab.exec("workbench", ["socklab", "put", "/tmp/kept.txt", name]);
      expect(run.exitCode).toBe(6);
      expect(run.stderr).toContain(code);
    }
    expect(await storedNames()).toContain("kept.txt");
  });
});
