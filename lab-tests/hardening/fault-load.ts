// Runs in the workbench (sent as source text, so it imports only node: modules and, at run time,
// socklab's clients in /app): several clients keep a service busy for a fixed time while a test
// injects a fault, each reply checked, errors counted by code. For file-transfer every stored file
// is read back whole at the end; for chat, members that lose their connection come back, and the
// room must hold all of them again at the end. Prints one JSON line.
import { createHash, randomBytes, randomInt } from "node:crypto";
import { existsSync, writeFileSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { setTimeout as delay } from "node:timers/promises";
import type * as ChatModule from "../../clients/chat/chat-client.ts";
import type * as TcpModule from "../../clients/echo/tcp-echo-client.ts";
import type * as UdpModule from "../../clients/echo/udp-echo-client.ts";
import type * as FilesModule from "../../clients/file-transfer/file-transfer-client.ts";

export type FaultService = "tcp-echo" | "udp-echo" | "file-transfer" | "chat";

export interface FaultLoadOptions {
  service: FaultService;
  seconds: number;
  workers: number;
  /** Chat: members that stay in the room, and come back when they lose their connection. */
  members: number;
}

export interface FaultLoadReport {
  ok: number;
  okAfterFault: number;
  errors: Record<string, number>;
  /** file-transfer: stored files read back at the end, and those that were not whole. */
  filesChecked: number;
  filesCorrupt: string[];
  /** chat: members in the room at the end, of `members`, and whether a message reached all of them. */
  membersBack: number;
  messageReachedAll: boolean;
  /** The first errors, with their codes and messages, for a failure's report. */
  firstErrors: string[];
}

const APP = "/app/clients";
const TIMEOUT_MS = 2_000;
const options = JSON.parse(process.argv[1] ?? "{}") as FaultLoadOptions;
const endMs = performance.now() + options.seconds * 1000;
const report: FaultLoadReport = {
  ok: 0,
  okAfterFault: 0,
  errors: {},
  filesChecked: 0,
  filesCorrupt: [],
  membersBack: 0,
  messageReachedAll: false,
  firstErrors: [],
};
const MAX_ERRORS_KEPT = 10;

const { tcpEcho } = (await import(`${APP}/echo/tcp-echo-client.ts`)) as typeof TcpModule;
const { udpEcho } = (await import(`${APP}/echo/udp-echo-client.ts`)) as typeof UdpModule;
const { connectFileTransfer } = (await import(
  `${APP}/file-transfer/file-transfer-client.ts`
)) as typeof FilesModule;
const { ChatClient } = (await import(`${APP}/chat/chat-client.ts`)) as typeof ChatModule;

const sha256 = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex");
const codeOf = (error: unknown): string =>
  (error as { code?: string }).code ?? (error instanceof Error ? error.message : String(error));

function wrongReply(what: string): Error {
  return Object.assign(new Error(`${what}: the reply differs from what was sent`), { code: "WRONG_REPLY" });
}

// An echo that stops short is what a client sees when the server dies between two writes: the
// kernel closes the dead process's socket with a FIN (an RST only when unread bytes are left), so
// the stream ends cleanly, early. Cut short is a clear failure; different bytes would not be.
function checkEcho(what: string, sent: Buffer, echoed: Buffer): void {
  if (echoed.equals(sent)) return;
  const cutShort = echoed.length < sent.length && echoed.equals(sent.subarray(0, echoed.length));
  if (!cutShort) throw wrongReply(what);
  throw Object.assign(new Error(`${what}: the stream ended after ${echoed.length} of ${sent.length} bytes`), {
    code: "ECHO_CUT_SHORT",
  });
}

// Nicks unique to this run and request: one still held by a connection the server has not yet
// seen die (a pulled network) must not be asked for again.
const RUN_TAG = randomInt(36 ** 3).toString(36);

// file-transfer: what each name may hold at the end. A put that failed may still have completed
// on the server (its reply lost), so every hash sent since the last confirmed one is a candidate.
const candidates = new Map<string, Set<string>>();
// Names with at least one confirmed put: they must exist at the end.
const confirmed = new Set<string>();

const REQUESTS: Record<FaultService, (worker: number, i: number) => Promise<void>> = {
  "tcp-echo": async () => {
    const data = randomBytes(randomInt(1, 64 * 1024));
    const echoed = await tcpEcho({ host: "tcp-echo", port: 7, data, timeoutMs: TIMEOUT_MS });
    checkEcho("tcp echo", data, echoed);
  },
  "udp-echo": async () => {
    const payload = randomBytes(randomInt(1, 1472));
    const echoed = await udpEcho({ host: "udp-echo", port: 7, payload, timeoutMs: TIMEOUT_MS });
    if (!echoed.equals(payload)) throw wrongReply("udp echo");
  },
  "file-transfer": async (worker, i) => {
    const name = `fault-${worker}-${i % 3}.bin`;
    const data = randomBytes(randomInt(1, 2 * 1024 * 1024));
    const source = `/tmp/fault-${worker}.bin`;
    await writeFile(source, data);
    const maybe = candidates.get(name) ?? new Set<string>();
    maybe.add(sha256(data));
    candidates.set(name, maybe);
    await using client = await connectFileTransfer({ ...FILES, connectTimeoutMs: TIMEOUT_MS });
    await client.put(name, source);
    candidates.set(name, new Set([sha256(data)]));
    confirmed.add(name);
  },
  chat: async (worker, i) => {
    const nick = `l${RUN_TAG}${worker}x${i}`;
    const client = await ChatClient.connect({
      ...CHAT,
      nick,
      connectTimeoutMs: TIMEOUT_MS,
      requestTimeoutMs: TIMEOUT_MS,
    });
    await client.quit();
  },
};

const FILES = { host: "file-transfer", port: 9000, idleTimeoutMs: TIMEOUT_MS };
const CHAT = { host: "chat", port: 6667 };
const ROOM = "#faults";

async function worker(index: number): Promise<void> {
  for (let i = 0; performance.now() < endMs; i++) {
    const afterFault = existsSync("/tmp/fault-over");
    try {
      await REQUESTS[options.service](index, i);
      report.ok += 1;
      if (afterFault) report.okAfterFault += 1;
      writeFileSync("/tmp/load-ok", "");
    } catch (error) {
      const code = codeOf(error);
      report.errors[code] = (report.errors[code] ?? 0) + 1;
      if (report.firstErrors.length < MAX_ERRORS_KEPT) {
        report.firstErrors.push(`${code}: ${error instanceof Error ? error.message : String(error)}`);
      }
      writeFileSync("/tmp/load-error", "");
      await delay(50);
    }
  }
}

// Each stored name must hold one of the files sent to it, whole.
async function checkFiles(): Promise<void> {
  await using client = await connectFileTransfer({ ...FILES, connectTimeoutMs: 10_000 });
  for (const [name, hashes] of candidates) {
    const copy = "/tmp/fault-check.bin";
    try {
      await client.get(name, copy);
    } catch (error) {
      // A name whose first put never completed holds nothing; any other failure is a lost file.
      if (codeOf(error) === "NOT_FOUND" && !confirmed.has(name)) continue;
      report.filesCorrupt.push(`${name}: ${codeOf(error)}`);
      continue;
    }
    report.filesChecked += 1;
    if (!hashes.has(sha256(await readFile(copy)))) report.filesCorrupt.push(`${name}: not any file sent`);
  }
}

type Member = ChatModule.ChatClient;

// A member stays in the room until the room is checked; when its connection goes, it comes back
// under a new nick (the old one may still be held by a connection the server has not noticed is gone).
const chatState = { running: true };
// Read through a call: the member's loop awaits between the checks, so the flag may change.
const chatRunning = (): boolean => chatState.running;

async function member(index: number, present: Map<number, Member>): Promise<void> {
  for (let generation = 0; chatRunning(); generation++) {
    let client: Member;
    try {
      client = await ChatClient.connect({
        ...CHAT,
        nick: `m${RUN_TAG}${index}g${generation}`,
        room: ROOM,
        connectTimeoutMs: TIMEOUT_MS,
      });
    } catch {
      await delay(100);
      continue;
    }
    if (!chatRunning()) return client.quit();
    present.set(index, client);
    await new Promise<void>((resolve) => client.once("close", () => resolve()));
    present.delete(index);
  }
}

// At the end every member must be back in the room, and one message must reach all the others.
async function checkRoom(present: Map<number, Member>): Promise<void> {
  const deadline = performance.now() + 15_000;
  while (present.size < options.members && performance.now() < deadline) await delay(100);
  const members = [...present.values()];
  report.membersBack = members.length;
  const [speaker, ...listeners] = members;
  if (!speaker) return;
  const inRoom = await speaker.who(ROOM);
  const text = `all here ${randomInt(1e9)}`;
  const heard = listeners.map((listener) =>
    listener.waitFor((event) => event.kind === "message" && event.text === text, { timeoutMs: 10_000 }),
  );
  speaker.send(text);
  const results = await Promise.allSettled(heard);
  report.messageReachedAll =
    members.every((m) => inRoom.includes(m.nick)) && results.every((result) => result.status === "fulfilled");
  chatState.running = false;
  await Promise.allSettled(members.map((m) => m.quit()));
}

const present = new Map<number, Member>();
const members =
  options.service === "chat" ? Array.from({ length: options.members }, (_, i) => member(i, present)) : [];
await Promise.all(Array.from({ length: options.workers }, (_, i) => worker(i)));
if (options.service === "file-transfer") await checkFiles();
if (options.service === "chat") {
  await checkRoom(present);
  await Promise.all(members);
}
process.stdout.write(`${JSON.stringify(report)}\n`);
