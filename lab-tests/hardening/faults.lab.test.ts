import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dockerClient } from "../harness/docker-client.ts";
import { waitForNoSocket } from "../harness/socket-table/wait-for-socket.ts";
import { startLab, type Lab } from "../harness/start-lab.ts";
import { waitFor } from "../harness/wait-for.ts";

// Faults a service meets in real networks, each with what clients see and what the socket tables
// hold afterwards: the process killed under load and restarted, the network pulled and given back,
// the container frozen and thawed.
let lab: Lab;

beforeAll(async () => {
  lab = await startLab();
});

afterAll(async () => {
  await lab.down();
});

interface LoadReport {
  ok: number;
  okAfterFault: number;
  errors: Record<string, number>;
}

// Runs in the workbench: one request after another for `seconds`, each with its own connection,
// counting successes and errors by code; the fault happens while it runs (marked by a file).
const LOAD_SCRIPT = `
import { existsSync, writeFileSync } from "node:fs";
import { tcpEcho } from "/app/clients/echo/tcp-echo-client.ts";
import { connectFileTransfer } from "/app/clients/file-transfer/file-transfer-client.ts";
import { ChatClient } from "/app/clients/chat/chat-client.ts";
const [service, seconds] = process.argv.slice(1);
const REQUESTS = {
  "tcp-echo": async () => { const r = await tcpEcho({ host: "tcp-echo", port: 7, data: Buffer.from("load"), timeoutMs: 2000 }); if (r.toString() !== "load") throw Object.assign(new Error("bad echo"), { code: "BAD_ECHO" }); },
  "file-transfer": async () => { await using c = await connectFileTransfer({ host: "file-transfer", port: 9000, connectTimeoutMs: 2000, idleTimeoutMs: 2000 }); await c.list(); },
  chat: async () => { const c = await ChatClient.connect({ host: "chat", port: 6667, nick: "load" + Math.floor(Math.random() * 1e6), connectTimeoutMs: 2000, requestTimeoutMs: 2000 }); await c.quit(); },
};
const report = { ok: 0, okAfterFault: 0, errors: {} };
const end = Date.now() + Number(seconds) * 1000;
while (Date.now() < end) {
  const afterFault = existsSync("/tmp/fault-over");
  try { await REQUESTS[service](); report.ok++; if (afterFault) report.okAfterFault++; writeFileSync("/tmp/load-ok", ""); }
  catch (error) { const code = error.code ?? error.message; report.errors[code] = (report.errors[code] ?? 0) + 1; writeFileSync("/tmp/load-error", ""); await new Promise((r) => setTimeout(r, 50)); }
}
console.log(JSON.stringify(report));
`;

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
]);

/** Waits for a file the load script writes: after its first success, or its first error. */
async function loadSaw(what: "ok" | "error"): Promise<void> {
  await waitFor(
    async () =>
      (await lab.exec("workbench", ["test", "-e", `/tmp/load-${what}`])).exitCode === 0 ? true : undefined,
    { timeoutMs: 10_000, what: `the load to see its first ${what}` },
  );
}

async function underLoad(service: string, seconds: number, fault: () => Promise<void>): Promise<LoadReport> {
  await lab.sh("workbench", "rm -f /tmp/fault-over /tmp/load-ok /tmp/load-error");
  const args = ["node", "--input-type=module", "-e", LOAD_SCRIPT, service, String(seconds)];
  const load = lab.exec("workbench", args);
  await loadSaw("ok");
  await fault();
  await lab.sh("workbench", "touch /tmp/fault-over");
  const run = await load;
  if (run.exitCode !== 0) throw new Error(`the load script failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as LoadReport;
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

function expectClearErrors(report: LoadReport): void {
  for (const code of Object.keys(report.errors)) expect(CLEAR_ERRORS, `error code ${code}`).toContain(code);
  expect(report.okAfterFault).toBeGreaterThan(0);
}

describe.each(["tcp-echo", "file-transfer", "chat"])("%s under faults", (service) => {
  it("is killed with SIGKILL under load and restarted: clients see clear errors, then are served again", async () => {
    const report = await underLoad(service, 10, () => killAndRestart(service));
    expectClearErrors(report);
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
    expectClearErrors(report);
    await waitForNoSocket(lab.container(service), { state: "CLOSE_WAIT" }, { timeoutMs: 10_000 });
  });

  it("is paused and unpaused: requests wait, then complete", async () => {
    const container = dockerClient().getContainer(lab.containerId(service));
    const report = await underLoad(service, 8, async () => {
      await container.pause();
      try {
        // Frozen: the kernel still completes handshakes, but nothing answers until a request times out.
        await loadSaw("error");
      } finally {
        await container.unpause();
      }
    });
    expectClearErrors(report);
    await waitHealthy(service);
  });
});

describe("file-transfer's files through a SIGKILL", () => {
  it("keeps every stored file whole", async () => {
    await lab.sh(
      "workbench",
      "for i in 1 2 3; do head -c 1000000 /dev/urandom >/tmp/keep$i && socklab put /tmp/keep$i keep$i.bin >/dev/null; done",
    );
    await killAndRestart("file-transfer");
    await lab.sh(
      "workbench",
      "for i in 1 2 3; do socklab get keep$i.bin /tmp/back$i >/dev/null && cmp /tmp/keep$i /tmp/back$i; done",
    );
  });
});
