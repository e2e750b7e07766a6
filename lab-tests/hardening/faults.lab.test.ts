import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FaultLoadReport, FaultService } from "./fault-load.ts";
import { dockerClient } from "../../labkit/docker/docker-client.ts";
import { waitForNoSocket } from "../../labkit/socket-table/wait-for-socket.ts";
import { startLab, type Lab } from "../../labkit/lab/start-lab.ts";
import { waitFor } from "../../labkit/wait-for.ts";

// Faults a service meets in real networks, each with what clients see and what the socket tables
// hold afterwards: the process killed under load and restarted, the network pulled and given back,
// the container frozen and thawed.
let lab: Lab;

beforeAll(async () => {
  lab = await startLab({ overrides: ["lab-tests/hardening/compose.fault-load.yml"] });
});

afterAll(async () => {
  await lab.down();
});

// The load runs in the workbench from its source text (fault-load.ts), as the bench's probes do.
const LOAD_SOURCE = readFileSync(path.join(import.meta.dirname, "fault-load.ts"), "utf8");
const LOAD_WORKERS = 4;
const CHAT_MEMBERS = 5;

// What a client may see while a service is killed, cut off or frozen: each a clear error code.
const CLEAR_ERRORS = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ERR_ECHO_TIMEOUT",
  "ERR_CONNECT_FAILED",
  "ERR_CONNECT_TIMEOUT",
  "ERR_CONNECTION_CLOSED",
  "ERR_REPLY_TIMEOUT",
  "ERR_CHAT_TIMEOUT",
  "ERR_CHAT_CLOSED",
  "ERR_CHAT_CONNECT",
  "ERR_CHAT_CONNECT_TIMEOUT",
  "SHUTTING_DOWN",
  "ECHO_CUT_SHORT",
]);

/** Waits for a file the load script writes: after its first success, or its first error. */
async function loadSaw(what: "ok" | "error"): Promise<void> {
  await waitFor(
    async () =>
      (await lab.exec("workbench", ["test", "-e", `/tmp/load-${what}`])).exitCode === 0 ? true : undefined,
    { timeoutMs: 10_000, what: `the load to see its first ${what}` },
  );
}

async function underLoad(
  service: FaultService,
  seconds: number,
  fault: () => Promise<void>,
): Promise<FaultLoadReport> {
  await lab.sh("workbench", "rm -f /tmp/fault-over /tmp/load-ok /tmp/load-error");
  const options = { service, seconds, workers: LOAD_WORKERS, members: CHAT_MEMBERS };
  const args = ["node", "--input-type=module-typescript", "-e", LOAD_SOURCE, JSON.stringify(options)];
  const load = lab.exec("workbench", args);
  await loadSaw("ok");
  await fault();
  await lab.sh("workbench", "touch /tmp/fault-over");
  const run = await load;
  if (run.exitCode !== 0) throw new Error(`the load script failed: ${run.stderr}`);
  return JSON.parse(run.stdout.trim().split("\n").at(-1) ?? "") as FaultLoadReport;
}

async function waitHealthy(service: string): Promise<void> {
  const container = dockerClient().getContainer(lab.containerId(service));
  await waitFor(
    async () => ((await container.inspect()).State.Health?.Status === "healthy" ? true : undefined),
    {
      timeoutMs: 30_000,
      what: `${service} to be healthy again`,
    },
  );
}

/** SIGKILL, then running again (started here unless the engine's restart policy already did). */
async function killAndRestart(service: string): Promise<void> {
  const container = dockerClient().getContainer(lab.containerId(service));
  const startedAt = (await container.inspect()).State.StartedAt;
  await container.kill({ signal: "SIGKILL" });
  const state = await waitFor(
    async () => {
      const now = (await container.inspect()).State;
      return !now.Running || now.StartedAt !== startedAt ? now : undefined;
    },
    { timeoutMs: 10_000, what: `${service} to die` },
  );
  if (!state.Running) {
    // 304: the restart policy started it in the meantime.
    await container.start().catch((error: unknown) => {
      if ((error as { statusCode?: number }).statusCode !== 304) throw error;
    });
  }
  await waitHealthy(service);
}

// Clients saw the fault, each error was a clear one, they were served again after it, and what
// the service promises held through it: every stored file whole, every chat member back.
function expectClearErrors(service: FaultService, report: FaultLoadReport): void {
  const codes = Object.keys(report.errors);
  expect(codes.length, "the load saw no error: the fault did not reach the clients").toBeGreaterThan(0);
  for (const code of codes) {
    expect(CLEAR_ERRORS, `error code ${code}; first errors: ${report.firstErrors.join(" | ")}`).toContain(
      code,
    );
  }
  expect(report.okAfterFault).toBeGreaterThan(0);
  if (service === "file-transfer") {
    expect(report.filesCorrupt).toEqual([]);
    expect(report.filesChecked).toBeGreaterThan(0);
  }
  if (service === "chat") {
    expect(report.membersBack).toBe(CHAT_MEMBERS);
    expect(report.messageReachedAll).toBe(true);
  }
}

describe.each(["tcp-echo", "udp-echo", "file-transfer", "chat"] as const)("%s under faults", (service) => {
  it("is killed with SIGKILL under load and restarted: clients see clear errors, then are served again", async () => {
    const report = await underLoad(service, 10, () => killAndRestart(service));
    expectClearErrors(service, report);
    await waitForNoSocket(lab.container(service), { state: "CLOSE_WAIT" }, { timeoutMs: 10_000 });
  });

  it("is disconnected from the network and connected again: served again afterwards", async () => {
    const network = dockerClient().getNetwork(lab.networkName);
    const id = lab.containerId(service);
    const report = await underLoad(service, 10, async () => {
      await network.disconnect({ Container: id });
      await loadSaw("error");
      // Compose gave it its service name as an alias; give it back so the lab can find it.
      await network.connect({ Container: id, EndpointConfig: { Aliases: [service] } });
    });
    expectClearErrors(service, report);
    await waitForNoSocket(lab.container(service), { state: "CLOSE_WAIT" }, { timeoutMs: 10_000 });
  });

  // `docker pause` freezes the container's cgroup; on this kind of machine (cgroup v1) it once left a
  // container FROZEN with `docker unpause` blocking the engine until the cgroup was thawed by hand.
  // Stopping every process of the container with SIGSTOP, and SIGCONT after, is the same pause as
  // the network sees it (the kernel completes handshakes, nothing answers), without the freezer.
  it("is paused (every process stopped) and resumed: requests wait, then complete", async () => {
    const report = await underLoad(service, 8, async () => {
      await signalEveryProcess(service, "STOP");
      try {
        await loadSaw("error");
      } finally {
        await signalEveryProcess(service, "CONT");
      }
    });
    expectClearErrors(service, report);
    await waitHealthy(service);
    await waitForNoSocket(lab.container(service), { state: "CLOSE_WAIT" }, { timeoutMs: 10_000 });
  });
});

/** Sends `signal` to every process in a service's container but the shell that sends it. */
async function signalEveryProcess(service: string, signal: "STOP" | "CONT"): Promise<void> {
  // kill -1 reaches every process this user may signal, the caller excepted: all of the service's.
  await lab.sh(service, `kill -${signal} -1`);
}

describe("file-transfer's files through a SIGKILL", () => {
  it("keeps every stored file whole", async () => {
    const names = [1, 2, 3].map((i) => `keep${i}`);
    for (const name of names) {
      await lab.sh(
        "workbench",
        `head -c 1000000 /dev/urandom >/tmp/${name} && socklab put /tmp/${name} ${name}.bin`,
      );
    }
    await killAndRestart("file-transfer");
    for (const name of names) {
      const run = await lab.exec("workbench", [
        "sh",
        "-c",
        `socklab get ${name}.bin /tmp/back-${name} && cmp /tmp/${name} /tmp/back-${name}`,
      ]);
      expect(run, `${name} after the restart`).toMatchObject({ exitCode: 0 });
    }
  });
});
