import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FILE_TRANSFER_ERRORS } from "../../protocol/file-transfer/file-transfer-errors.ts";
import type { RandomFramesReport, RandomKind } from "./random-frames.ts";
import type { SlowlorisReport } from "./slowloris.ts";
import { dockerClient } from "../../labkit/docker/docker-client.ts";
import { readSocketTable } from "../../labkit/socket-table/read-socket-table.ts";
import { matchesSocket } from "../../labkit/socket-table/socket-match.ts";
import { waitForNoSocket } from "../../labkit/socket-table/wait-for-socket.ts";
import { startLab, type Lab } from "../../labkit/lab/start-lab.ts";
import { waitFor } from "../../labkit/wait-for.ts";

// Each TCP service against clients that misbehave on purpose, from the workbench. Throughout, the
// service must stay healthy and serve a well-behaved client; afterwards its memory comes back near
// where it started and it holds no socket in CLOSE_WAIT.
const OVERRIDES = ["lab-tests/states/compose.states.yml", "lab-tests/hardening/compose.hardening.yml"];
const CONNECTION_LIMIT = 40;
const MEMORY_SLACK_KIB = 32 * 1024;

interface TcpService {
  name: "tcp-echo" | "file-transfer" | "chat";
  port: number;
  /** Bytes a well-behaved client sends first (hex), and text its first answer contains. */
  helloHex: string;
  answer: string;
  /** What it sends later on the same connection, and what that answer contains. */
  againHex: string;
  againAnswer: string;
  /** A command in the workbench that succeeds only if the service serves a well-behaved client. */
  wellBehaved: string;
}

const frameHex = (json: object) => {
  const body = Buffer.from(JSON.stringify(json));
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length);
  return Buffer.concat([length, body]).toString("hex");
};

const SERVICES: TcpService[] = [
  {
    name: "tcp-echo",
    port: 7,
    helloHex: Buffer.from("ping").toString("hex"),
    answer: "ping",
    againHex: Buffer.from("pong").toString("hex"),
    againAnswer: "pong",
    wellBehaved: "socklab echo well-behaved",
  },
  {
    name: "file-transfer",
    port: 9000,
    helloHex: frameHex({ op: "list", id: 1 }),
    answer: '"id":1',
    againHex: frameHex({ op: "list", id: 2 }),
    againAnswer: '"id":2',
    wellBehaved: "socklab ls",
  },
  {
    name: "chat",
    port: 6667,
    helloHex: Buffer.from("steady\r\n").toString("hex"),
    answer: "welcome",
    againHex: Buffer.from("/who\r\n").toString("hex"),
    againAnswer: "members of",
    wellBehaved: "printf 'polite\\n/quit\\n' | timeout 10 nc -q -1 chat 6667 | grep -q welcome",
  },
];

// Runs in the workbench. Opens one steady client, then `count` more at once; reports how many the
// server refused (closed or reset within the wait) and whether the steady one still gets answers.
const FLOOD_SCRIPT = `
import net from "node:net";
const [host, port, helloHex, answer, againHex, againAnswer, count] = process.argv.slice(1);
const ask = (socket, hex, answer) => new Promise((resolve) => {
  let text = "";
  const timer = setTimeout(() => resolve(false), 5000);
  const onData = (chunk) => { text += chunk.toString("latin1"); if (text.includes(answer)) { clearTimeout(timer); socket.off("data", onData); resolve(true); } };
  socket.on("data", onData);
  socket.write(Buffer.from(hex, "hex"));
});
const open = () => new Promise((resolve) => {
  const socket = net.connect({ host, port: Number(port) });
  socket.on("error", () => {});
  const state = { socket, closedEarly: false };
  // Read (and drop) what the server says, so that its FIN after a refusal is seen as a close.
  socket.resume();
  socket.on("close", () => (state.closedEarly = true));
  socket.on("connect", () => resolve(state));
  socket.on("error", () => resolve(state));
});
const steady = await open();
const steadyFirst = await ask(steady.socket, helloHex, answer);
const flood = await Promise.all(Array.from({ length: Number(count) }, open));
// A refused connection is closed by the server at once; give the closes a moment to arrive.
const settle = Date.now() + 3000;
while (Date.now() < settle && flood.filter((s) => s.closedEarly).length < Number(count) - ${CONNECTION_LIMIT}) await new Promise((r) => setTimeout(r, 50));
const askedAfterMs = Date.now() - settle + 3000;
const steadyDuring = await ask(steady.socket, againHex, againAnswer);
const refused = flood.filter((s) => s.closedEarly).length;
for (const s of [steady, ...flood]) s.socket.destroy();
console.log(JSON.stringify({ steadyFirst, steadyDuring, refused, held: Number(count) - refused, steadyClosed: steady.closedEarly, askedAfterMs }));
`;

// Runs in the workbench: connections that send a partial frame or line and then reset.
const RESET_MID_FRAME_SCRIPT = `
import net from "node:net";
const [host, port, partialHex, count] = process.argv.slice(1);
await Promise.all(Array.from({ length: Number(count) }, () => new Promise((resolve) => {
  const socket = net.connect({ host, port: Number(port) }, () => socket.write(Buffer.from(partialHex, "hex"), () => { socket.resetAndDestroy(); resolve(); }));
  socket.on("error", () => resolve());
})));
console.log(JSON.stringify({ done: Number(count) }));
`;

// 10,000 random frames (or lines, or chunks) over 25 connections, under the connection limit of
// compose.hardening.yml; the script checks what the server answered (random-frames.ts).
const RANDOM_FRAMES_SOURCE = readFileSync(path.join(import.meta.dirname, "random-frames.ts"), "utf8");
const RANDOM_KIND: Record<TcpService["name"], RandomKind> = {
  "tcp-echo": "chunk",
  "file-transfer": "frame",
  chat: "line",
};

// Slowloris clients (slowloris.ts): a request dribbled a byte a second, and the words the server
// cuts them off with: file-transfer's header deadline, chat's registration deadline.
const SLOWLORIS_SOURCE = readFileSync(path.join(import.meta.dirname, "slowloris.ts"), "utf8");
const SLOWLORIS: Partial<Record<TcpService["name"], { payloadHex: string; cutText: string }>> = {
  "file-transfer": {
    payloadHex: frameHex({ op: "list", id: 1, pad: "x".repeat(20) }),
    cutText: "HEADER_TIMEOUT",
  },
  chat: { payloadHex: Buffer.from("slowlorisnick\r\n").toString("hex"), cutText: "Registration timeout" },
};

let lab: Lab;

beforeAll(async () => {
  lab = await startLab({ overrides: OVERRIDES });
});

afterAll(async () => {
  await lab.down();
});

async function runScript<T>(script: string, ...args: string[]): Promise<T> {
  const run = await lab.exec("workbench", ["node", "--input-type=module", "-e", script, ...args]);
  if (run.exitCode !== 0) throw new Error(`workbench script exited ${run.exitCode}: ${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}

/** The service process's resident memory, found by its name (services set process.title). */
async function rssKiB(service: string): Promise<number> {
  const script = `for p in /proc/[0-9]*; do [ "$(cat $p/comm 2>/dev/null)" = "${service}" ] && grep VmRSS $p/status; done; true`;
  const line = await lab.sh(service, script);
  const kib = Number(/VmRSS:\s+(\d+)/.exec(line)?.[1]);
  if (!Number.isFinite(kib)) throw new Error(`no process named ${service} in its container: ${line}`);
  return kib;
}

async function expectServing(service: TcpService): Promise<void> {
  await expectHealthyWithinLimits(service.name);
  await lab.sh("workbench", service.wellBehaved);
}

// The container's own cgroup files: cgroup v2 has them at the root, v1 under each controller.
const LIMIT_EVENTS_SCRIPT = `if [ -r /sys/fs/cgroup/memory.events ]
then cat /sys/fs/cgroup/memory.events /sys/fs/cgroup/pids.events
else cat /sys/fs/cgroup/memory/memory.oom_control /sys/fs/cgroup/pids/pids.events
fi`;

/**
 * Healthy, never restarted, and never at its limits: the container's cgroup counts OOM kills
 * (oom_kill) and forks refused at the pids limit (max) since it started.
 */
async function expectHealthyWithinLimits(service: string): Promise<void> {
  const info = await dockerClient().getContainer(lab.containerId(service)).inspect();
  expect(info.State.Health?.Status).toBe("healthy");
  expect(info.State.Restarting).toBe(false);
  expect(info.RestartCount).toBe(0);
  const events = await lab.sh(service, LIMIT_EVENTS_SCRIPT);
  const count = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, "m").exec(events)?.[1]);
  expect({ oomKills: count("oom_kill"), pidsRefused: count("max") }, events).toEqual({
    oomKills: 0,
    pidsRefused: 0,
  });
}

describe.each(SERVICES)("$name under hostile clients", (service) => {
  let baselineKiB = 0;

  beforeAll(async () => {
    baselineKiB = await rssKiB(service.name);
  });

  it("refuses a connection flood past its limit cleanly, while an existing client is still served", async () => {
    const result = await runScript<{
      steadyFirst: boolean;
      steadyDuring: boolean;
      refused: number;
      held: number;
    }>(
      FLOOD_SCRIPT,
      service.name,
      String(service.port),
      service.helloHex,
      service.answer,
      service.againHex,
      service.againAnswer,
      String(CONNECTION_LIMIT + 20),
    );
    expect(result, JSON.stringify(result)).toMatchObject({ steadyFirst: true, steadyDuring: true });
    expect(result.refused).toBeGreaterThanOrEqual(20);
    expect(result.held).toBeLessThanOrEqual(CONNECTION_LIMIT - 1);
    await waitFor(
      async () =>
        (await lab.exec("workbench", ["sh", "-c", service.wellBehaved])).exitCode === 0 ? true : undefined,
      {
        timeoutMs: 10_000,
        what: `${service.name} to serve a new client once the flood is gone`,
      },
    );
  });

  it("serves a well-behaved client while slowloris clients dribble a byte a second", async () => {
    const slowloris = SLOWLORIS[service.name];
    if (slowloris === undefined) {
      // tcp-echo has no request to finish: a client sending a byte a second is being served, and
      // the connection limit and the idle timeout are what bound such clients.
      const dribble = `for i in $(seq 20); do ( (for b in 1 2 3 4 5; do printf x; sleep 1; done) | nc -q 0 ${service.name} ${service.port} ) >/dev/null 2>&1 </dev/null & done`;
      await lab.sh("workbench", dribble);
      await expectServing(service);
      return;
    }
    // As many dribblers as the service takes connections, each sending a request that takes far
    // longer than the service's deadline for it: the deadline must free the slots.
    const options = {
      host: service.name,
      port: service.port,
      payloadHex: slowloris.payloadHex,
      count: CONNECTION_LIMIT,
    };
    const dribbling = lab.exec("workbench", [
      "node",
      "--input-type=module-typescript",
      "-e",
      SLOWLORIS_SOURCE,
      JSON.stringify(options),
    ]);
    await waitFor(
      async () =>
        (await lab.exec("workbench", ["sh", "-c", service.wellBehaved])).exitCode === 0 ? true : undefined,
      { timeoutMs: 15_000, what: `${service.name} to serve a client while slowloris clients hold its slots` },
    );
    const run = await dribbling;
    expect(run.exitCode, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout.trim().split("\n").at(-1) ?? "") as SlowlorisReport;
    // Every dribbler was cut off by the server before it could finish its request, with the reason.
    expect(report.finished).toBe(0);
    expect(report.cutWith.filter((reply) => !reply.includes(slowloris.cutText))).toEqual([]);
    expect(report.cutWith.length + report.refused).toBe(CONNECTION_LIMIT);
    await expectServing(service);
  });

  it("reaps half-open clients that vanish without a FIN, and keeps serving", async () => {
    // Connections open, then everything the workbench sends to the service is dropped: to the
    // server they simply go silent, like a peer whose cable was pulled.
    const silent = `for i in $(seq 10); do ( sleep 30 | nc ${service.name} ${service.port} ) >/dev/null 2>&1 </dev/null & done`;
    await lab.sh("workbench", silent);
    const workbenchIp = (await lab.sh("workbench", "hostname -i")).trim();
    const held = { remoteAddress: workbenchIp, localPort: service.port, state: "ESTABLISHED" as const };
    const server = lab.container(service.name);
    await waitFor(
      async () => {
        const { entries } = await readSocketTable(server.id, server.name);
        return entries.filter((entry) => matchesSocket(entry, held)).length >= 10 ? true : undefined;
      },
      { timeoutMs: 5_000, what: `10 connections from the workbench at ${service.name}` },
    );
    const rule = `OUTPUT -p tcp --dport ${service.port} -j DROP`;
    await lab.sh("workbench-netadmin", `iptables -I ${rule}`);
    try {
      // The idle timeouts (or the chat's ping) are a few seconds in compose.hardening.yml.
      await waitForNoSocket(server, held, { timeoutMs: 20_000 });
    } finally {
      await lab.sh("workbench-netadmin", `iptables -D ${rule}`);
      await lab.sh("workbench", "pkill -f 'sleep [3]0' || true");
    }
    await expectServing(service);
  });

  it("survives resets in the middle of a frame, and leaves no CLOSE_WAIT", async () => {
    const partialHex = Buffer.from(service.helloHex, "hex").subarray(0, 3).toString("hex") || "00";
    await runScript(RESET_MID_FRAME_SCRIPT, service.name, String(service.port), partialHex, "50");
    await waitForNoSocket(lab.container(service.name), { state: "CLOSE_WAIT" }, { timeoutMs: 10_000 });
    await expectServing(service);
  });

  it("survives 10,000 random frames, answers each in its protocol, then serves, holds no CLOSE_WAIT, and gives its memory back", async () => {
    const options = {
      host: service.name,
      port: service.port,
      kind: RANDOM_KIND[service.name],
      connections: 25,
      framesPerConnection: 400,
    };
    const run = await lab.exec("workbench", [
      "node",
      "--input-type=module-typescript",
      "-e",
      RANDOM_FRAMES_SOURCE,
      JSON.stringify(options),
    ]);
    expect(run.exitCode, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout.trim().split("\n").at(-1) ?? "") as RandomFramesReport;
    expect(report.sent).toBe(10_000);
    expect(report.malformed).toEqual([]);
    expect(report.replies).toBeGreaterThan(0);
    if (service.name === "tcp-echo") expect(report.echoMismatches).toBe(0);
    if (service.name === "file-transfer") {
      expect(report.codes.filter((code) => !Object.hasOwn(FILE_TRANSFER_ERRORS, code))).toEqual([]);
    }
    // Random lines at once are a flood, cut with its reason; a connection whose lines were all
    // dropped unread (invalid UTF-8, over 512 bytes) never registers and meets the registration
    // deadline instead. Both are documented endings; no other may appear.
    if (service.name === "chat")
      expect(report.codes.filter((reason) => !/Excess Flood|Registration timeout/.test(reason))).toEqual([]);
    await expectServing(service);
    await waitForNoSocket(lab.container(service.name), { state: "CLOSE_WAIT" }, { timeoutMs: 10_000 });
    await waitFor(
      async () => ((await rssKiB(service.name)) < baselineKiB + MEMORY_SLACK_KIB ? true : undefined),
      {
        timeoutMs: 20_000,
        what: `${service.name}'s memory to come back within ${MEMORY_SLACK_KIB} KiB of its ${baselineKiB} KiB baseline`,
      },
    );
  });
});

describe("udp-echo under hostile senders", () => {
  it("survives 10,000 random datagrams, still echoes, stays within its limits and gives its memory back", async () => {
    const script = `
import dgram from "node:dgram";
import { randomBytes, randomInt } from "node:crypto";
const socket = dgram.createSocket("udp4");
socket.on("error", () => {});
const sends = Array.from({ length: 10000 }, () => new Promise((resolve) =>
  socket.send(randomBytes(randomInt(0, 1400)), 7, "udp-echo", (error) => resolve(error ? 0 : 1))));
const sent = (await Promise.all(sends)).reduce((a, b) => a + b, 0);
socket.close(() => console.log(JSON.stringify({ sent })));`;
    const baselineKiB = await rssKiB("udp-echo");
    expect(await runScript(script)).toEqual({ sent: 10_000 });
    expect(await lab.sh("workbench", "socklab echo --udp still-here")).toBe("still-here\n");
    await expectHealthyWithinLimits("udp-echo");
    await waitFor(
      async () => ((await rssKiB("udp-echo")) < baselineKiB + MEMORY_SLACK_KIB ? true : undefined),
      {
        timeoutMs: 20_000,
        what: `udp-echo's memory to come back within ${MEMORY_SLACK_KIB} KiB of ${baselineKiB} KiB`,
      },
    );
  });
});
