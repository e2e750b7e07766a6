import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dockerClient } from "../harness/docker-client.ts";
import { startLab, type Lab } from "../harness/start-lab.ts";
import { waitFor } from "../harness/wait-for.ts";

// The state override adds workbench-netadmin, whose tc slows the workbench's uploads enough to
// kill the server in the middle of one.
const STATES_OVERRIDE = "lab-tests/states/compose.states.yml";
const MIB = 1024 * 1024;

interface PutResult {
  name: string;
  size: number;
  sha256: string;
  resumedFromBytes: number;
}

let lab: Lab;

beforeAll(async () => {
  lab = await startLab({ overrides: [STATES_OVERRIDE] });
});

afterAll(async () => {
  await lab.down();
});

const sha256Of = async (file: string) =>
  (await lab.sh("workbench", `sha256sum ${file} | cut -d' ' -f1`)).trim();
const storedNames = async () =>
  (JSON.parse(await lab.sh("workbench", "socklab ls --json")) as { name: string }[]).map((f) => f.name);

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
    await lab.sh("workbench-netadmin", "tc qdisc add dev eth0 root tbf rate 24mbit burst 64kb latency 500ms");
    try {
      await lab.sh(
        "workbench",
        "(socklab put /tmp/slow.bin slow.bin >/tmp/put1.log 2>&1; echo $? >/tmp/put1.rc) &",
      );
      await waitFor(
        async () => {
          const held = await lab.sh("file-transfer", "du -sb /data/.socklab/partial | cut -f1");
          return Number(held) > 2 * MIB ? true : undefined;
        },
        { timeoutMs: 20_000, what: "the server to hold 2 MiB of the upload" },
      );
      expect(await storedNames()).not.toContain("slow.bin");
      await restartFileTransfer(true);
    } finally {
      await lab.sh("workbench-netadmin", "tc qdisc del dev eth0 root");
    }
    await waitFor(
      async () => (await lab.exec("workbench", ["cat", "/tmp/put1.rc"])).stdout.trim() || undefined,
      {
        timeoutMs: 20_000,
        what: "the interrupted put to exit",
      },
    );
    expect((await lab.sh("workbench", "cat /tmp/put1.rc")).trim()).not.toBe("0");
    const resumed = JSON.parse(
      await lab.sh("workbench", "socklab put /tmp/slow.bin slow.bin --json"),
    ) as PutResult;
    expect(resumed.resumedFromBytes).toBeGreaterThan(0);
    expect(resumed.sha256).toBe(await sha256Of("/tmp/slow.bin"));
    await lab.sh("workbench", "socklab get slow.bin /tmp/slow.back && cmp /tmp/slow.bin /tmp/slow.back");
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

  it("lets the last of two concurrent uploads to one name win, whole", async () => {
    await lab.sh(
      "workbench",
      `head -c ${8 * MIB} /dev/urandom >/tmp/a && head -c ${8 * MIB} /dev/urandom >/tmp/b`,
    );
    await lab.sh("workbench", "socklab put /tmp/a same.bin & socklab put /tmp/b same.bin & wait");
    await lab.sh("workbench", "socklab get same.bin /tmp/same.back");
    const stored = await sha256Of("/tmp/same.back");
    expect([await sha256Of("/tmp/a"), await sha256Of("/tmp/b")]).toContain(stored);
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
