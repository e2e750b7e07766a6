import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dockerClient } from "../../labkit/docker/docker-client.ts";
import { applyFault } from "../../labkit/fault/apply-fault.ts";
import { clearFaults } from "../../labkit/fault/clear-faults.ts";
import type { FaultSpec } from "../../labkit/fault/fault-spec.ts";
import { findFaultHolders, listFaults } from "../../labkit/fault/list-faults.ts";
import { runFaultHelper } from "../../labkit/fault/run-fault-helper.ts";
import { startLab, type Lab } from "../../labkit/lab/start-lab.ts";
import { waitForNoSocket } from "../../labkit/socket-table/wait-for-socket.ts";
import { waitFor } from "../../labkit/wait-for.ts";
import { runSocklab, spawnSocklab } from "../support/run-socklab.ts";
import type { ChatMemberOptions, ChatMemberReport } from "./chat-member.ts";

// How faults begin and end: a partition that a chat member survives and that its own deadline
// removes; the CLI's list and clear; a CLI killed with SIGKILL; a helper killed by force; bad
// arguments; the kinds this kernel cannot have; and a helper ending with its lab.
// The hardening override makes chat ping every 2 s, so that it drops a vanished member quickly.
const HARDENING_OVERRIDE = "lab-tests/hardening/compose.hardening.yml";
const WAIT_MS = 15_000;

let lab: Lab;

beforeAll(async () => {
  lab = await startLab({ overrides: [HARDENING_OVERRIDE] });
});

afterAll(async () => {
  await lab.down();
});

const descriptionsOn = async (service?: string) =>
  (await listFaults(lab, service)).flatMap((s) => s.faults.map((f) => `${s.service}: ${f.description}`));

describe("partition", () => {
  const MEMBER_SOURCE = readFileSync(path.join(import.meta.dirname, "chat-member.ts"), "utf8");
  const PARTITION_SECONDS = 6;

  it("makes a chat member time out and reconnect once the partition's seconds run out", async () => {
    const options: ChatMemberOptions = {
      nick: `part${Date.now() % 100_000}`,
      room: "#partition",
      askEveryMs: 300,
      requestTimeoutMs: 1_500,
      deadlineMs: 40_000,
      joinedFile: "/tmp/member-joined",
    };
    await lab.sh("workbench", `rm -f ${options.joinedFile}`);
    const member = lab.exec("workbench", [
      "node",
      "--input-type=module-typescript",
      "-e",
      MEMBER_SOURCE,
      JSON.stringify(options),
    ]);
    const firstPort = Number(
      await waitFor(
        async () => (await lab.exec("workbench", ["cat", options.joinedFile])).stdout.trim() || undefined,
        {
          timeoutMs: WAIT_MS,
          what: "the chat member to join its room",
        },
      ),
    );
    const fault = await applyFault(lab, {
      kind: "partition",
      service: "chat",
      peer: "workbench",
      seconds: PARTITION_SECONDS,
    });
    expect(await descriptionsOn("chat")).toEqual(["chat: partition both, with workbench"]);
    // chat pings every 2 s and drops a member that does not answer: the old connection goes.
    await waitForNoSocket(
      lab.container("chat"),
      { localPort: 6667, remotePort: firstPort },
      { timeoutMs: WAIT_MS },
    );
    // Not cleared by anyone: the helper removes it when its seconds run out.
    await fault.removed;
    expect(await descriptionsOn("chat")).toEqual([]);
    const run = await member;
    expect(run.exitCode, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout.trim()) as ChatMemberReport;
    console.log(`chat member through a ${PARTITION_SECONDS} s partition: ${JSON.stringify(report)}`);
    expect(report.timedOutWith).toBe("ERR_CHAT_TIMEOUT");
    expect(report.backInRoom).toBe(true);
    expect(report.backLocalPort).not.toBe(report.firstLocalPort);
  });
});

describe("the socklab fault command", () => {
  it("applies a fault detached, lists it from the kernel, and clears it", async () => {
    const applied = await runSocklab(lab, [
      "fault",
      "loss",
      "tcp-echo",
      "--percent",
      "20",
      "--port",
      "7",
      "--detach",
    ]);
    expect(applied, applied.stderr).toMatchObject({ exitCode: 0 });
    expect(applied.stdout).toMatch(/^loss 20% both, port 7 on tcp-echo: in force until \d\d:\d\d:\d\d UTC/);
    const listed = await runSocklab(lab, ["fault", "list"]);
    expect(listed.exitCode).toBe(0);
    expect(listed.stdout).toMatch(
      /^tcp-echo +loss 20% both, port 7 +nftables netdev socklab_[0-9a-f]{8} +in \d+ s$/m,
    );
    expect(listed.stdout).toMatch(/^udp-echo +-$/m);
    const cleared = await runSocklab(lab, ["fault", "clear", "tcp-echo"]);
    expect(cleared.stdout).toBe("tcp-echo: removed loss 20% both, port 7\n");
    expect(await descriptionsOn()).toEqual([]);
  });

  it("holds a fault in the foreground; killed with SIGKILL, its helper still removes it at the deadline", async () => {
    const cli = spawnSocklab(lab, ["fault", "blackhole", "udp-echo", "--seconds", "4"]);
    let stdout = "";
    cli.stdout?.setEncoding("utf8").on("data", (text: string) => (stdout += text));
    await waitFor(() => (stdout.includes("in force") ? true : undefined), {
      timeoutMs: WAIT_MS,
      what: "the CLI to apply the fault",
    });
    cli.kill("SIGKILL");
    expect(await descriptionsOn("udp-echo")).toEqual(["udp-echo: blackhole both"]);
    await waitFor(async () => ((await descriptionsOn("udp-echo")).length === 0 ? true : undefined), {
      timeoutMs: WAIT_MS,
      what: "the helper to remove the blackhole at its deadline",
    });
    await waitFor(async () => ((await findFaultHolders(lab.projectName)).length === 0 ? true : undefined), {
      timeoutMs: WAIT_MS,
      what: "the helper to end and be removed",
    });
  });

  it("exits 2 listing the valid kinds, or the valid services, for a bad one", async () => {
    const kind = await runSocklab(lab, ["fault", "jam", "tcp-echo"]);
    expect(kind.exitCode).toBe(2);
    expect(kind.stderr).toContain(
      "valid kinds: loss, blackhole, reset, drop, partition, bandwidth, delay, duplicate, reorder",
    );
    const service = await runSocklab(lab, ["fault", "loss", "no-such", "--percent", "5"]);
    expect(service.exitCode).toBe(2);
    expect(service.stderr).toMatch(
      /ERR_FAULT_ARGUMENT: no running service no-such in the lab; valid services: chat, file-transfer, tcp-echo, udp-echo, workbench/,
    );
    const percent = await runSocklab(lab, ["fault", "loss", "tcp-echo", "--percent", "150"]);
    expect(percent.exitCode).toBe(2);
  });
});

describe("clear", () => {
  it("removes what a helper killed by force left in the kernel", async () => {
    const fault = await applyFault(lab, {
      kind: "bandwidth",
      service: "file-transfer",
      rateKbitPerSecond: 1_000,
      seconds: 60,
    });
    const [holder] = await findFaultHolders(lab.projectName, "file-transfer");
    await dockerClient()
      .getContainer(holder?.Id ?? "")
      .kill({ signal: "SIGKILL" });
    await fault.removed;
    const [left] = await listFaults(lab, "file-transfer");
    expect(left?.faults).toMatchObject([{ mechanism: "tc", name: "tbf 5ac:" }]);
    expect(left?.faults[0]?.expiresAt).toBeUndefined();
    const [cleared] = await clearFaults(lab, "file-transfer");
    expect(cleared?.removed).toEqual(["qdisc 5ac: on eth0 (left over)"]);
    expect(await descriptionsOn("file-transfer")).toEqual([]);
  });
});

describe("kinds this kernel may not have", () => {
  const NETEM_KINDS: FaultSpec[] = [
    { kind: "delay", service: "tcp-echo", delayMs: 100, jitterMs: 10, seconds: 30 },
    { kind: "duplicate", service: "tcp-echo", percent: 10, seconds: 30 },
    { kind: "reorder", service: "tcp-echo", percent: 25, delayMs: 10, seconds: 30 },
  ];

  it.each(NETEM_KINDS.map((spec) => [spec.kind, spec] as const))(
    "%s fails with ERR_FAULT_UNSUPPORTED naming netem where the kernel lacks it, and leaves nothing",
    async (_kind, spec) => {
      // Asked of the kernel on its own, with tc, apart from the code under test.
      const probe = await runFaultHelper(
        lab.containerId("tcp-echo"),
        "tc qdisc add dev lo root handle 5ad: netem delay 1ms && tc qdisc del dev lo root",
      );
      if (probe.exitCode === 0) {
        await using fault = await applyFault(lab, spec);
        expect(await descriptionsOn("tcp-echo")).toEqual([`tcp-echo: ${fault.description}`]);
        return;
      }
      expect(probe.output).toMatch(/unknown/i);
      await expect(applyFault(lab, spec)).rejects.toMatchObject({
        code: "ERR_FAULT_UNSUPPORTED",
        message: expect.stringContaining("netem queueing discipline (sch_netem)") as unknown,
      });
      expect(await descriptionsOn("tcp-echo")).toEqual([]);
      // The helper that failed has ended (the engine then removes it).
      const running = (await findFaultHolders(lab.projectName)).filter((h) => h.State === "running");
      expect(running).toEqual([]);
    },
  );

  it("exits 7 from the CLI with the missing feature named", async () => {
    const probe = await runFaultHelper(
      lab.containerId("tcp-echo"),
      "tc qdisc add dev lo root handle 5ad: netem delay 1ms && tc qdisc del dev lo root",
    );
    const run = await runSocklab(lab, ["fault", "delay", "tcp-echo", "--ms", "100"]);
    if (probe.exitCode === 0) {
      expect(run.exitCode).toBe(0);
      return;
    }
    expect(run.exitCode).toBe(7);
    expect(run.stderr).toMatch(
      /^socklab: ERR_FAULT_UNSUPPORTED: delay cannot be had on tcp-echo: this kernel lacks the netem queueing discipline \(sch_netem\)/,
    );
  });
});

describe("a helper and its lab", () => {
  it("ends when the lab goes down, so that nothing outlives the lab", async () => {
    await applyFault(lab, { kind: "loss", service: "tcp-echo", percent: 10, seconds: 300 });
    expect(await findFaultHolders(lab.projectName)).toHaveLength(1);
    await lab.down();
    await waitFor(async () => ((await findFaultHolders(lab.projectName)).length === 0 ? true : undefined), {
      timeoutMs: WAIT_MS,
      what: "the helper to end with its lab",
    });
  });
});
