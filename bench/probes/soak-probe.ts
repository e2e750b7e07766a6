// Runs in the workbench (sent as source text, so it imports only node: modules and, at run time,
// socklab's clients in /app): mixed load on every service at once for a fixed time, each reply
// checked. TCP and UDP echoes of random sizes, file round trips with the hash compared, and a chat
// room whose members check that they get every other member's messages, in order. Prints one JSON
// line with the counts and the first errors; a progress line goes to stderr every `progressMs`.
import { createHash, randomBytes, randomInt } from "node:crypto";
import { readFile, rm, writeFile } from "node:fs/promises";
import { setTimeout as delay } from "node:timers/promises";
import type * as ChatModule from "../../clients/chat/chat-client.ts";
import type * as TcpModule from "../../clients/echo/tcp-echo-client.ts";
import type * as UdpModule from "../../clients/echo/udp-echo-client.ts";
import type * as FilesModule from "../../clients/file-transfer/file-transfer-client.ts";

export interface SoakOptions {
  durationMs: number;
  progressMs: number;
  tcp: { workers: number; maxBytes: number; pauseMs: number };
  udp: { workers: number; maxBytes: number; pauseMs: number; timeoutMs: number };
  files: { workers: number; maxBytes: number; pauseMs: number; namesPerWorker: number };
  chat: { members: number; intervalMs: number; churnEveryMs: number; settleMs: number };
  /** Bound on each loop's count, on top of the time bound. */
  maxOpsPerWorker: number;
}

export interface LoadCount {
  ops: number;
  bytes: number;
  errors: number;
}

export interface SoakProbeResult {
  durationMs: number;
  tcp: LoadCount;
  udp: LoadCount;
  files: LoadCount;
  chat: LoadCount & { delivered: number; expected: number; churned: number };
  /** The first errors of each kind, with their codes, for the report. */
  firstErrors: string[];
}

const APP = "/app/clients";
const MAX_ERRORS_KEPT = 20;
const options = JSON.parse(process.argv[1] ?? "{}") as SoakOptions;
const { tcpEcho } = (await import(`${APP}/echo/tcp-echo-client.ts`)) as typeof TcpModule;
const { udpEcho } = (await import(`${APP}/echo/udp-echo-client.ts`)) as typeof UdpModule;
const { connectFileTransfer } = (await import(
  `${APP}/file-transfer/file-transfer-client.ts`
)) as typeof FilesModule;
const { ChatClient } = (await import(`${APP}/chat/chat-client.ts`)) as typeof ChatModule;

const startMs = performance.now();
const deadlineMs = startMs + options.durationMs;
const firstErrors: string[] = [];
const count = (): LoadCount => ({ ops: 0, bytes: 0, errors: 0 });
const result: SoakProbeResult = {
  durationMs: 0,
  tcp: count(),
  udp: count(),
  files: count(),
  chat: { ...count(), delivered: 0, expected: 0, churned: 0 },
  firstErrors,
};

function fail(load: LoadCount, what: string, error: unknown): void {
  load.errors += 1;
  if (firstErrors.length >= MAX_ERRORS_KEPT) return;
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  firstErrors.push(
    `${what} at ${Math.round(performance.now() - startMs)} ms: ${code ? `${code}: ` : ""}${message}`,
  );
}

// One loop of a load: `step` runs until the deadline or the count bound, `pauseMs` apart.
async function loop(load: LoadCount, what: string, pauseMs: number, step: (i: number) => Promise<number>) {
  for (let i = 0; i < options.maxOpsPerWorker && performance.now() < deadlineMs; i++) {
    try {
      load.bytes += await step(i);
      load.ops += 1;
    } catch (error) {
      fail(load, what, error);
    }
    await delay(pauseMs);
  }
}

// Sent into the workbench as source text, so not SocklabError: an error with the same stable code.
type ProbeErrorCode = "ERR_SOAK_MISMATCH" | "ERR_SOAK_LOST" | "ERR_SOAK_ORDER" | "ERR_SOAK_CLOSED";

class ProbeError extends Error {
  readonly code: ProbeErrorCode;

  constructor(code: ProbeErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

function mismatch(what: string, sent: number, got: number): Error {
  return new ProbeError(
    "ERR_SOAK_MISMATCH",
    `${what}: sent ${sent} bytes, got back ${got} different or missing`,
  );
}

async function tcpStep(): Promise<number> {
  const data = randomBytes(randomInt(options.tcp.maxBytes + 1));
  const echoed = await tcpEcho({ host: "tcp-echo", port: 7, data });
  if (!echoed.equals(data)) throw mismatch("tcp echo", data.length, echoed.length);
  return data.length;
}

async function udpStep(): Promise<number> {
  const data = randomBytes(randomInt(options.udp.maxBytes + 1));
  const echoed = await udpEcho({
    host: "udp-echo",
    port: 7,
    payload: data,
    timeoutMs: options.udp.timeoutMs,
  });
  if (!echoed.equals(data)) throw mismatch("udp echo", data.length, echoed.length);
  return data.length;
}

const sha256 = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex");

// Each file worker keeps its own names: a round trip is put, get, compare, and every few rounds a
// delete that the listing must reflect.
async function fileWorker(worker: number): Promise<void> {
  const client = await connectFileTransfer({ host: "file-transfer", port: 9000 });
  const source = `/tmp/soak-${worker}.bin`;
  const copy = `/tmp/soak-${worker}.out`;
  try {
    await loop(result.files, `file worker ${worker}`, options.files.pauseMs, async (i) => {
      const name = `soak-${worker}-${i % options.files.namesPerWorker}.bin`;
      const data = randomBytes(randomInt(options.files.maxBytes + 1));
      await writeFile(source, data);
      await client.put(name, source);
      await client.get(name, copy);
      const got = await readFile(copy);
      if (sha256(got) !== sha256(data)) throw mismatch(`file ${name}`, data.length, got.length);
      if (i % options.files.namesPerWorker === options.files.namesPerWorker - 1) {
        await client.delete(name);
        if ((await client.list()).some((file) => file.name === name))
          throw new ProbeError("ERR_SOAK_MISMATCH", `${name} listed after delete`);
      }
      return data.length * 2;
    });
  } finally {
    await client.close().catch(() => undefined);
    await rm(source, { force: true });
    await rm(copy, { force: true });
  }
}

type Member = ChatModule.ChatClient;

// Members send numbered lines; every member checks that each sender's numbers arrive in order with
// no gap, and counts them against what each sender sent.
async function chatLoad(): Promise<void> {
  const { members: size, intervalMs, churnEveryMs, settleMs } = options.chat;
  const nicks = Array.from({ length: size }, (_, i) => `soak${i}`);
  const members: Member[] = [];
  const lastSeen = new Map<string, Map<string, number>>();
  for (const nick of nicks) {
    const member = await ChatClient.connect({
      host: "chat",
      port: 6667,
      nick,
      room: "#soak",
      maxHistoryEvents: 100,
    });
    const seen = new Map<string, number>();
    lastSeen.set(nick, seen);
    member.on("event", (event) => {
      if (event.kind !== "message" || !nicks.includes(event.from)) return;
      const n = Number(event.text.split(" ")[1]);
      const expected = (seen.get(event.from) ?? 0) + 1;
      if (n !== expected)
        fail(
          result.chat,
          `${nick} from ${event.from}`,
          new ProbeError("ERR_SOAK_ORDER", `got #${n}, expected #${expected}`),
        );
      seen.set(event.from, n);
      result.chat.delivered += 1;
    });
    member.on("close", (reason) => {
      if (performance.now() < deadlineMs)
        fail(result.chat, nick, new ProbeError("ERR_SOAK_CLOSED", `closed: ${reason}`));
    });
    members.push(member);
  }
  const sent = new Map<string, number>(nicks.map((nick) => [nick, 0]));
  const churn = churner(churnEveryMs);
  await loop(result.chat, "chat senders", intervalMs, () => {
    for (const member of members) {
      const n = (sent.get(member.nick) ?? 0) + 1;
      member.send(`seq ${n} from ${member.nick}`);
      sent.set(member.nick, n);
    }
    return Promise.resolve(0);
  });
  await churn;
  // The chat's operations are the lines sent, not the rounds of sending.
  result.chat.ops = [...sent.values()].reduce((sum, n) => sum + n, 0);
  result.chat.expected = [...sent.values()].reduce((sum, n) => sum + n, 0) * (size - 1);
  // Every member must hold each sender's last number: waited for, against a deadline.
  const allIn = () =>
    nicks.every((nick) =>
      nicks.every((from) => from === nick || lastSeen.get(nick)?.get(from) === sent.get(from)),
    );
  const settleDeadline = performance.now() + settleMs;
  while (!allIn() && performance.now() < settleDeadline) await delay(50);
  if (!allIn())
    fail(
      result.chat,
      "chat delivery",
      new ProbeError("ERR_SOAK_LOST", `${result.chat.delivered} of ${result.chat.expected} delivered`),
    );
  for (const member of members)
    await member.quit().catch((error: unknown) => fail(result.chat, member.nick, error));
}

// Someone joins the room, says hello and leaves, every `everyMs`: joins and quits under load.
async function churner(everyMs: number): Promise<void> {
  for (let i = 0; i < options.maxOpsPerWorker && performance.now() + everyMs < deadlineMs; i++) {
    await delay(everyMs);
    try {
      const visitor = await ChatClient.connect({
        host: "chat",
        port: 6667,
        nick: `visitor${i % 100}`,
        room: "#soak",
      });
      visitor.send("hello and goodbye");
      await visitor.quit();
      result.chat.churned += 1;
    } catch (error) {
      fail(result.chat, "chat visitor", error);
    }
  }
}

function progress(): void {
  const elapsedS = Math.round((performance.now() - startMs) / 1000);
  const line = { elapsedS, tcp: result.tcp, udp: result.udp, files: result.files, chat: result.chat };
  process.stderr.write(`${JSON.stringify(line)}\n`);
}

const ticker = setInterval(progress, options.progressMs);
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
await Promise.all([
  ...range(options.tcp.workers).map(() => loop(result.tcp, "tcp echo", options.tcp.pauseMs, tcpStep)),
  ...range(options.udp.workers).map(() => loop(result.udp, "udp echo", options.udp.pauseMs, udpStep)),
  ...range(options.files.workers).map((worker) =>
    fileWorker(worker).catch((error: unknown) => fail(result.files, "file worker", error)),
  ),
  chatLoad().catch((error: unknown) => fail(result.chat, "chat", error)),
]);
clearInterval(ticker);
result.durationMs = performance.now() - startMs;
process.stdout.write(`${JSON.stringify(result)}\n`);
