import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../labkit/lab/lab-project.ts";
import { startLab, type Lab } from "../../labkit/lab/start-lab.ts";
import { startPuppet, type Puppet } from "../../labkit/puppet/start-puppet.ts";
import { readSocketTable } from "../../labkit/socket-table/read-socket-table.ts";
import { waitForSocket, type LabContainer } from "../../labkit/socket-table/wait-for-socket.ts";
import { waitFor } from "../../labkit/wait-for.ts";
import { runSocklab, spawnSocklab, untilStdoutSays, watchOutput } from "../support/run-socklab.ts";

// The checks of exercises 10, 11 and 12 (docs/exercises/), as the exercises describe them, each
// graded too by the learner's own `socklab check N`, which watches from the workbench.
const WAIT_MS = 15_000;

let lab: Lab;
let client: LabContainer;
let server: LabContainer;

beforeAll(async () => {
  lab = await startLab();
  client = lab.container("workbench");
  server = lab.container("tcp-echo");
});

afterAll(async () => {
  await lab.down();
});

async function connectedPuppet(port: number): Promise<{ puppet: Puppet; localPort: number }> {
  const puppet = await startPuppet("workbench", client.id);
  puppet.send({ op: "connect", host: "tcp-echo", port });
  const connected = await puppet.next("connected");
  return { puppet, localPort: connected.localPort };
}

interface TcpInfo {
  rtoMs: number;
  backoff: number;
}

/** The RTO and backoff `ss -tin` shows for the workbench's connection from `localPort`. */
async function tcpInfo(localPort: number): Promise<TcpInfo | undefined> {
  const text = await lab.sh("workbench", `ss -tin '( sport = :${localPort} )'`);
  const rto = /\brto:(\d+(?:\.\d+)?)/.exec(text);
  if (!rto) return undefined;
  return { rtoMs: Number(rto[1]), backoff: Number(/\bbackoff:(\d+)/.exec(text)?.[1] ?? 0) };
}

describe("exercise 10: retransmission and RTO under loss", () => {
  it("backs off: the RTO doubles while tcp-echo receives nothing, and the data comes through once cleared", async () => {
    const { puppet, localPort } = await connectedPuppet(7);
    await using _puppet = puppet;
    const check = watchOutput(spawnSocklab(lab, ["check", "10", "--timeout", String(WAIT_MS)]));
    await untilStdoutSays(check, "now step 3", WAIT_MS);
    const seen = new Map<number, number>();
    {
      await using _fault = await lab.fault({
        kind: "blackhole",
        service: "tcp-echo",
        direction: "in",
        port: 7,
        seconds: 60,
      });
      puppet.send({ op: "write", bytes: 6 });
      await waitFor(
        async () => {
          const info = await tcpInfo(localPort);
          if (info && info.backoff > 0 && !seen.has(info.backoff)) seen.set(info.backoff, info.rtoMs);
          return info && info.backoff >= 3 ? true : undefined;
        },
        { timeoutMs: WAIT_MS, pollMs: 50, what: "the workbench's RTO to back off three times" },
      );
      // As a learner would: the fault stays until the check has seen the backoff and says so.
      await untilStdoutSays(check, "now step 4", WAIT_MS);
    }
    console.log(`RTO by backoff: ${JSON.stringify(Object.fromEntries(seen))}`);
    const backoffs = [...seen.keys()].sort((a, b) => a - b);
    for (const [earlier, later] of backoffs.slice(1).map((b, i) => [backoffs[i] ?? 0, b] as const)) {
      // Each timeout in a row doubles the RTO (bounded by TCP_RTO_MAX, far above these); ss rounds.
      const expected = (seen.get(earlier) ?? 0) * 2 ** (later - earlier);
      expect(
        Math.abs((seen.get(later) ?? 0) - expected),
        `RTO at backoff ${later} vs ${earlier}`,
      ).toBeLessThanOrEqual(expected * 0.05);
    }
    await waitFor(
      () => (puppet.events.some((e) => e.event === "data" && e.receivedBytes === 6) ? true : undefined),
      {
        timeoutMs: WAIT_MS,
        what: "the echo once the blackhole was removed",
      },
    );
    await check.closed;
    expect(check.output.stdout, check.output.stderr).toContain("PASS exercise 10");
    expect(check.output.stdout).toMatch(/the RTO doubled at each timeout: backoff \d+ rto \d+ ms, /);
  });
});

describe("exercise 11: a peer that vanishes, and keepalive", () => {
  const exercise = readFileSync(
    path.join(REPO_ROOT, "docs/exercises/11-a-peer-that-vanishes-and-keepalive.md"),
    "utf8",
  );
  const script = /```python\n([\s\S]*?)```/.exec(exercise)?.[1] ?? "";

  async function startIdleClient(mode: "on" | "off"): Promise<number> {
    const log = `/tmp/idle-${mode}.log`;
    // timeout bounds the client that would wait for ever; the test kills it sooner.
    await lab.sh(
      "workbench",
      `rm -f ${log}; (timeout 60 python3 -c "$IDLE_SCRIPT" ${mode} >${log} 2>&1 & echo $! >/tmp/idle-${mode}.pid) >/dev/null 2>&1`,
      { env: { IDLE_SCRIPT: script } },
    );
    const line = await waitFor(
      async () => /connected from port (\d+)/.exec(await lab.sh("workbench", `cat ${log}`))?.[1],
      {
        timeoutMs: WAIT_MS,
        what: `the keepalive-${mode} client to connect`,
      },
    );
    return Number(line);
  }

  it("keepalive makes the idle end give up with ETIMEDOUT; without it both ends stay ESTABLISHED", async () => {
    expect(script).toContain("TCP_KEEPIDLE");
    const offPort = await startIdleClient("off");
    const onPort = await startIdleClient("on");
    const check = watchOutput(spawnSocklab(lab, ["check", "11", "--timeout", String(WAIT_MS)]));
    try {
      await untilStdoutSays(check, "now step 3", WAIT_MS);
      await using _fault = await lab.fault({
        kind: "partition",
        service: "tcp-echo",
        peer: "workbench",
        seconds: 60,
      });
      const failed = await waitFor(
        async () => {
          const text = await lab.sh("workbench", "cat /tmp/idle-on.log");
          return text.includes("recv failed") ? text : undefined;
        },
        { timeoutMs: WAIT_MS, what: "the keepalive client to give up" },
      );
      expect(failed).toMatch(/recv failed after [\d.]+ s: Connection timed out \(errno 110\)/);
      const workbench = (await readSocketTable(client.id, client.name)).entries;
      const echo = (await readSocketTable(server.id, server.name)).entries;
      expect(workbench.filter((e) => e.localPort === onPort)).toEqual([]);
      expect(workbench.find((e) => e.localPort === offPort)?.state).toBe("ESTABLISHED");
      expect(echo.find((e) => e.remotePort === onPort)?.state).toBe("ESTABLISHED");
      expect(echo.find((e) => e.remotePort === offPort)?.state).toBe("ESTABLISHED");
      expect(await lab.sh("workbench", "cat /tmp/idle-off.log")).not.toContain("recv");
      await check.closed;
      expect(check.output.stdout, check.output.stderr).toContain("PASS exercise 11");
      expect(check.output.stdout).toContain(`:${offPort}, without keepalive, is still ESTABLISHED`);
    } finally {
      await lab.sh("workbench", "kill $(cat /tmp/idle-off.pid) 2>/dev/null; true");
    }
  });
});

describe("exercise 12: a slow reader and the zero window", () => {
  it("a reader that does not read fills its Recv-Q and puts the sender on zero-window probes", async () => {
    await using reader = await startPuppet("tcp-echo", server.id);
    reader.send({ op: "listen", port: 7103, pauseOnConnect: true });
    await reader.next("listening");
    const { puppet: writer, localPort } = await connectedPuppet(7103);
    await using _writer = writer;
    writer.send({ op: "write", bytes: 4_000_000 });
    const sender = await waitForSocket(
      client,
      { localPort, state: "ESTABLISHED" },
      { timeoutMs: WAIT_MS, peer: server },
    ).then(() =>
      waitFor(
        async () =>
          (await readSocketTable(client.id, client.name)).entries.find(
            (e) => e.localPort === localPort && e.timer.kind === "zero_window_probe",
          ),
        { timeoutMs: WAIT_MS, what: "the writer's timer to be a zero-window probe" },
      ),
    );
    const receiver = (await readSocketTable(server.id, server.name)).entries.find(
      (e) => e.remotePort === localPort,
    );
    console.log(
      `slow reader: receiver Recv-Q ${receiver?.receiveQueueBytes}, sender Send-Q ${sender.sendQueueBytes}`,
    );
    expect(receiver?.receiveQueueBytes).toBeGreaterThan(100_000);
    expect(sender.sendQueueBytes).toBeGreaterThan(100_000);
    const check = await runSocklab(lab, ["check", "12", "--timeout", String(WAIT_MS)]);
    expect(check.exitCode, check.stdout + check.stderr).toBe(0);
    // What the check infers from the writer's side alone is the reader's Recv-Q, read in tcp-echo.
    expect(check.stdout).toContain(
      `acknowledged ${receiver?.receiveQueueBytes} bytes that its application never read`,
    );
  });

  it("a slow link fills the sender's Send-Q while the reader's Recv-Q stays empty: no zero window", async () => {
    await using _fault = await lab.fault({
      kind: "bandwidth",
      service: "workbench",
      rateKbitPerSecond: 800,
      seconds: 60,
    });
    const { puppet: writer, localPort } = await connectedPuppet(7);
    await using _writer = writer;
    writer.send({ op: "write", bytes: 2_000_000 });
    const sender = await waitFor(
      async () =>
        (await readSocketTable(client.id, client.name)).entries.find(
          (e) => e.localPort === localPort && e.sendQueueBytes > 100_000,
        ),
      { timeoutMs: WAIT_MS, what: "the writer's Send-Q to fill" },
    );
    const receiver = (await readSocketTable(server.id, server.name)).entries.find(
      (e) => e.remotePort === localPort,
    );
    console.log(
      `slow link: receiver Recv-Q ${receiver?.receiveQueueBytes}, sender Send-Q ${sender.sendQueueBytes}, timer ${sender.timer.kind}`,
    );
    expect(sender.timer.kind).not.toBe("zero_window_probe");
    expect(receiver?.receiveQueueBytes).toBeLessThan(100_000);
    const check = await runSocklab(lab, ["check", "12", "--port", "7", "--timeout", "2000"]);
    expect(check.exitCode).toBe(1);
    expect(check.stdout).toContain("a slow link (step 4), not a slow reader");
  });
});
