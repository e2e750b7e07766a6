// Runs in the workbench (sent as source text, so it imports only node: modules, socklab's clients in
// /app, and the soak's two ledgers, which come as source text in its options and are written to
// /tmp): the soak's mixed load while faults strike the services, each client retrying as a real one
// should. Echoes retry until a deadline; files resume their puts and gets on a new connection; chat
// members reconnect under a new nick and rejoin. The ledgers judge what was acknowledged against what
// was seen. Prints one JSON line with the counts; a progress line goes to stderr every `progressMs`.
import { createHash, randomBytes, randomInt } from "node:crypto";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { setTimeout as delay } from "node:timers/promises";
import type * as ChatModule from "../../clients/chat/chat-client.ts";
import type * as TcpModule from "../../clients/echo/tcp-echo-client.ts";
import type * as UdpModule from "../../clients/echo/udp-echo-client.ts";
import type * as FilesModule from "../../clients/file-transfer/file-transfer-client.ts";
import type * as ChatLedgerModule from "../soak/chat-ledger.ts";
import type * as FileLedgerModule from "../soak/file-ledger.ts";

/** Each attempt's own bound, and the deadline of the whole operation (its retries included). */
interface Deadlines {
  attemptMs: number;
  operationMs: number;
}

export interface FaultSoakOptions {
  durationMs: number;
  progressMs: number;
  tcp: { workers: number; maxBytes: number; pauseMs: number } & Deadlines;
  udp: { workers: number; maxBytes: number; pauseMs: number } & Deadlines;
  files: {
    workers: number;
    maxBytes: number;
    pauseMs: number;
    namesPerWorker: number;
    listEveryMs: number;
  } & Deadlines;
  chat: {
    members: number;
    intervalMs: number;
    settleMs: number;
    ackStallMs: number;
    connectTimeoutMs: number;
  };
  /** An attempt still unsettled this long after its own bound has hung: counted, must be zero. */
  hangGraceMs: number;
  maxOpsPerWorker: number;
  /** The ledgers' source text, by file name. */
  modules: Record<string, string>;
}

export interface ResilientCount {
  /** Operations that succeeded (after retries or not). */
  ops: number;
  bytes: number;
  /** Attempts that failed and were tried again. */
  retries: number;
  /** Operations given up at their deadline, with a clear error: allowed while faults strike. */
  gaveUp: number;
  /** Wrong bytes back, or an acknowledged write not there: must be zero. */
  losses: number;
  /** Attempts that outlived their own bound: must be zero. */
  hung: number;
}

export interface FaultSoakProbeResult {
  durationMs: number;
  tcp: ResilientCount;
  udp: ResilientCount;
  files: ResilientCount & {
    resumedPuts: number;
    resumedGets: number;
    reconnects: number;
    finalChecks: number;
    ledger: FileLedgerModule.FileJudgement;
  };
  chat: { reconnects: number; ackStalls: number; ledger: ChatLedgerModule.ChatJudgement };
  /** The first give-ups (with their codes), and the first losses, for the report. */
  firstGiveUps: string[];
  firstLosses: string[];
}

const APP = "/app/clients";
const MODULES_DIR = "/tmp/fault-soak-modules";
const MAX_KEPT = 20;
const options = JSON.parse(process.argv[1] ?? "{}") as FaultSoakOptions;
await mkdir(MODULES_DIR, { recursive: true });
for (const [file, source] of Object.entries(options.modules))
  await writeFile(`${MODULES_DIR}/${file}`, source);
const { ChatLedger } = (await import(`${MODULES_DIR}/chat-ledger.ts`)) as typeof ChatLedgerModule;
const { FileLedger, ABSENT, contentKey } = (await import(
  `${MODULES_DIR}/file-ledger.ts`
)) as typeof FileLedgerModule;
const { tcpEcho } = (await import(`${APP}/echo/tcp-echo-client.ts`)) as typeof TcpModule;
const { udpEcho } = (await import(`${APP}/echo/udp-echo-client.ts`)) as typeof UdpModule;
const { connectFileTransfer } = (await import(
  `${APP}/file-transfer/file-transfer-client.ts`
)) as typeof FilesModule;
const { ChatClient } = (await import(`${APP}/chat/chat-client.ts`)) as typeof ChatModule;

const startMs = performance.now();
const deadlineMs = startMs + options.durationMs;
const since = (): number => Math.round(performance.now() - startMs);
const count = (): ResilientCount => ({ ops: 0, bytes: 0, retries: 0, gaveUp: 0, losses: 0, hung: 0 });
const chatLedger = new ChatLedger();
const fileLedger = new FileLedger();
const firstGiveUps: string[] = [];
const firstLosses: string[] = [];
const tcp = count();
const udp = count();
const files = { ...count(), resumedPuts: 0, resumedGets: 0, reconnects: 0, finalChecks: 0 };
const chat = { reconnects: 0, ackStalls: 0 };
let chatJudgement: ChatLedgerModule.ChatJudgement | undefined;

const keep = (list: string[], line: string): void => {
  if (list.length < MAX_KEPT) list.push(`${line} at ${since()} ms`);
};
const describe = (error: unknown): string => {
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  return `${code ? `${code}: ` : ""}${message}`.slice(0, 300);
};

// Sent into the workbench as source text, so not SocklabError: an error with the same stable code.
type ProbeErrorCode = "ERR_SOAK_LOST" | "ERR_SOAK_SHORT_ECHO" | "ERR_SOAK_HUNG" | "ERR_SOAK_STALLED";

class ProbeError extends Error {
  readonly code: ProbeErrorCode;

  constructor(code: ProbeErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/** Wrong bytes came back, or an acknowledged write is not there: never retried, counted as a loss. */
class LossError extends ProbeError {
  constructor(message: string) {
    super("ERR_SOAK_LOST", message);
  }
}

// One attempt, watched: if it outlives its own bound by hangGraceMs, it has hung (its client's
// timeouts did not fire), which is counted and failed here instead of waited for.
async function watched<T>(
  load: ResilientCount,
  what: string,
  attemptMs: number,
  attempt: () => Promise<T>,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      load.hung += 1;
      keep(firstLosses, `${what}: hung past ${attemptMs + options.hangGraceMs} ms`);
      reject(new ProbeError("ERR_SOAK_HUNG", `${what} hung`));
    }, attemptMs + options.hangGraceMs);
  });
  try {
    return await Promise.race([attempt(), hang]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Tries `attempt` until it succeeds or the operation's deadline passes, backing off between tries.
 * A LossError is not retried: it is the finding. Resolves to undefined when given up.
 */
async function retrying<T>(
  load: ResilientCount,
  what: string,
  deadlines: Deadlines,
  attempt: () => Promise<T>,
  onFailure?: () => void,
): Promise<T | undefined> {
  const giveUpAtMs = performance.now() + deadlines.operationMs;
  let lastError: unknown;
  for (let tries = 0; tries < 1000; tries++) {
    try {
      return await watched(load, what, deadlines.attemptMs, attempt);
    } catch (error) {
      onFailure?.();
      if (error instanceof LossError) {
        load.losses += 1;
        keep(firstLosses, `${what}: ${error.message}`);
        return undefined;
      }
      lastError = error;
    }
    const backoffMs = Math.min(2_000, 100 * 2 ** tries);
    if (performance.now() + backoffMs >= giveUpAtMs) break;
    load.retries += 1;
    await delay(backoffMs);
  }
  load.gaveUp += 1;
  keep(firstGiveUps, `${what}: gave up after ${deadlines.operationMs} ms; last: ${describe(lastError)}`);
  return undefined;
}

async function loop(pauseMs: number, step: (i: number) => Promise<void>): Promise<void> {
  for (let i = 0; i < options.maxOpsPerWorker && performance.now() < deadlineMs; i++) {
    await step(i);
    await delay(pauseMs);
  }
}

// An echo that ends early is a clear failure (the server died mid-echo): retried. Different bytes are a loss.
function checkEcho(what: string, sent: Buffer, got: Buffer): void {
  if (got.equals(sent)) return;
  if (got.length < sent.length && sent.subarray(0, got.length).equals(got))
    throw new ProbeError(
      "ERR_SOAK_SHORT_ECHO",
      `${what}: ${got.length} of ${sent.length} bytes before the server closed`,
    );
  throw new LossError(`${what}: sent ${sent.length} bytes, got ${got.length} different ones`);
}

async function tcpWorker(): Promise<void> {
  const { maxBytes, pauseMs, attemptMs } = options.tcp;
  await loop(pauseMs, async () => {
    const data = randomBytes(randomInt(maxBytes + 1));
    const ok = await retrying(tcp, "tcp echo", options.tcp, async () => {
      checkEcho("tcp echo", data, await tcpEcho({ host: "tcp-echo", port: 7, data, timeoutMs: attemptMs }));
      return true;
    });
    if (ok === true) {
      tcp.ops += 1;
      tcp.bytes += data.length;
    }
  });
}

async function udpWorker(): Promise<void> {
  const { maxBytes, pauseMs, attemptMs } = options.udp;
  await loop(pauseMs, async () => {
    const data = randomBytes(randomInt(maxBytes + 1));
    const ok = await retrying(udp, "udp echo", options.udp, async () => {
      checkEcho(
        "udp echo",
        data,
        await udpEcho({ host: "udp-echo", port: 7, payload: data, timeoutMs: attemptMs }),
      );
      return true;
    });
    if (ok === true) {
      udp.ops += 1;
      udp.bytes += data.length;
    }
  });
}

const sha256 = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex");

/** One file-transfer connection that a failed attempt throws away; the next attempt connects anew. */
class FileConnection {
  #client: FilesModule.FileTransferClient | undefined;

  async use(): Promise<FilesModule.FileTransferClient> {
    this.#client ??= await connectFileTransfer({
      host: "file-transfer",
      port: 9000,
      connectTimeoutMs: 5_000,
      idleTimeoutMs: options.files.attemptMs,
    });
    return this.#client;
  }

  drop(): void {
    if (this.#client === undefined) return;
    files.reconnects += 1;
    // Not awaited: a connection cut by a partition takes its idle timeout to close.
    void this.#client.close().catch(() => undefined);
    this.#client = undefined;
  }

  async close(): Promise<void> {
    await this.#client?.close().catch(() => undefined);
  }
}

const isNotFound = (error: unknown): boolean => (error as { code?: string }).code === "NOT_FOUND";

/** Reads `name` back (resuming a local partial on retry) and checks it against the ledger. */
async function readBack(connection: FileConnection, name: string, copy: string, what: string): Promise<void> {
  const got = await retrying(
    files,
    what,
    options.files,
    async () => {
      try {
        const result = await (
          await connection.use()
        ).get(name, copy, {
          signal: AbortSignal.timeout(options.files.attemptMs),
        });
        if (result.resumedFromBytes > 0) files.resumedGets += 1;
        const bytes = await readFile(copy);
        return contentKey(bytes.length, sha256(bytes));
      } catch (error) {
        if (isNotFound(error)) return ABSENT;
        throw error;
      }
    },
    () => connection.drop(),
  );
  if (got === undefined) return;
  const problem = fileLedger.read(name, got);
  if (problem !== undefined) {
    files.losses += 1;
    keep(firstLosses, problem);
  }
}

// Each file worker keeps its own names: put (resumed on a new connection after a failure), read
// back, and every few rounds a delete, each against the ledger.
async function fileWorker(worker: number): Promise<void> {
  const connection = new FileConnection();
  const source = `/tmp/fault-soak-${worker}.bin`;
  const copy = `/tmp/fault-soak-${worker}.out`;
  try {
    await loop(options.files.pauseMs, async (i) => {
      const name = `fsoak-${worker}-${i % options.files.namesPerWorker}.bin`;
      const data = randomBytes(randomInt(options.files.maxBytes + 1));
      const content = contentKey(data.length, sha256(data));
      await writeFile(source, data);
      fileLedger.putStarted(name, content);
      const put = await retrying(
        files,
        `put ${name}`,
        options.files,
        async () => {
          const stored = await (
            await connection.use()
          ).put(name, source, {
            signal: AbortSignal.timeout(options.files.attemptMs),
          });
          if (stored.resumedFromBytes > 0) files.resumedPuts += 1;
          return stored;
        },
        () => connection.drop(),
      );
      if (put === undefined) fileLedger.putUncertain(name, content);
      else fileLedger.putAcknowledged(name, content);
      await readBack(connection, name, copy, `get ${name}`);
      if (put !== undefined) {
        files.ops += 1;
        files.bytes += data.length * 2;
      }
      if (i % options.files.namesPerWorker !== options.files.namesPerWorker - 1) return;
      const deleted = await retrying(
        files,
        `delete ${name}`,
        options.files,
        async () => {
          await (await connection.use()).delete(name).catch((error: unknown) => {
            if (!isNotFound(error)) throw error;
          });
          return true;
        },
        () => connection.drop(),
      );
      if (deleted === true) fileLedger.deleteAcknowledged(name);
      else fileLedger.deleteUncertain(name);
      await readBack(connection, name, copy, `get deleted ${name}`);
    });
  } finally {
    await connection.close();
    await rm(source, { force: true });
    await rm(copy, { force: true });
  }
}

// Lists the store all along, on a connection of its own: no name of ours may ever show a size or
// hash that no put sent whole.
async function lister(): Promise<void> {
  const connection = new FileConnection();
  try {
    await loop(options.files.listEveryMs, async () => {
      const listed = await retrying(
        files,
        "list",
        options.files,
        async () => (await connection.use()).list(),
        () => connection.drop(),
      );
      if (listed === undefined) return;
      for (const problem of fileLedger.listed(listed)) {
        files.losses += 1;
        keep(firstLosses, problem);
      }
    });
  } finally {
    await connection.close();
  }
}

/** After the load: every name read back once more, against what the ledger says it may hold. */
async function finalFileCheck(): Promise<void> {
  const connection = new FileConnection();
  const copy = "/tmp/fault-soak-final.out";
  try {
    for (const name of fileLedger.names) {
      await readBack(connection, name, copy, `final get ${name}`);
      files.finalChecks += 1;
    }
  } finally {
    await connection.close();
    await rm(copy, { force: true });
  }
}

const SENDER = /^f(\d+)e(\d+)$/;

// One member: connects under a nick of this connection's own, sends a numbered line and a private
// "ack N" to itself every interval (the server handles a connection's lines in order, so the ack's
// return means the line before it was passed on), and reconnects when cut off.
async function chatMember(member: number, settled: Promise<void>): Promise<void> {
  const { intervalMs, ackStallMs, connectTimeoutMs } = options.chat;
  let seq = 0;
  for (let epoch = 0; epoch < options.maxOpsPerWorker && performance.now() < deadlineMs; epoch++) {
    const nick = `f${member}e${epoch}`;
    let client: ChatModule.ChatClient;
    try {
      client = await ChatClient.connect({
        host: "chat",
        port: 6667,
        nick,
        room: "#fsoak",
        connectTimeoutMs,
        maxHistoryEvents: 100,
      });
    } catch {
      chat.reconnects += 1;
      await delay(Math.min(2_000, 200 * 2 ** Math.min(epoch, 4)));
      continue;
    }
    chatLedger.opened(nick, member, performance.now());
    let lastAckAtMs = performance.now();
    client.on("event", (event) => {
      if (event.kind === "private" && event.from === nick && event.text.startsWith("ack ")) {
        chatLedger.acknowledged(nick, Number(event.text.slice(4)));
        lastAckAtMs = performance.now();
      } else if (event.kind === "message" && SENDER.test(event.from) && event.text.startsWith("seq ")) {
        chatLedger.received(nick, event.from, Number(event.text.slice(4)));
      }
    });
    client.on("close", (reason) => chatLedger.closed(nick, performance.now(), reason));
    while (performance.now() < deadlineMs && !client.closed) {
      if (performance.now() - lastAckAtMs > ackStallMs) {
        // No answer for this long: a dead connection the kernel has not noticed. Give it up, knowingly.
        chat.ackStalls += 1;
        chatLedger.closed(nick, performance.now(), `no acknowledgement for ${ackStallMs} ms`);
        client.abort();
        break;
      }
      seq += 1;
      try {
        client.send(`seq ${seq}`);
        chatLedger.sent(nick, seq, performance.now());
        client.msg(nick, `ack ${seq}`);
      } catch {
        break;
      }
      await delay(intervalMs);
    }
    if (performance.now() < deadlineMs) {
      chat.reconnects += 1;
      continue;
    }
    // The end: stay until every acknowledged line has arrived everywhere, then leave.
    await settled;
    await client.quit().catch(() => client.abort());
    return;
  }
}

async function chatLoad(): Promise<void> {
  let release = (): void => undefined;
  const settled = new Promise<void>((resolve) => (release = resolve));
  const members = Array.from({ length: options.chat.members }, (_, member) => chatMember(member, settled));
  while (performance.now() < deadlineMs) await delay(500);
  // Every member's last acks come back within the stall bound; then each line must be everywhere.
  const settleUntilMs = performance.now() + options.chat.settleMs;
  await delay(2_000);
  while (!chatLedger.settled() && performance.now() < settleUntilMs) await delay(1_000);
  // Judged before the members quit: a quit at the end is not a member cut off.
  chatJudgement = chatLedger.judge();
  release();
  await Promise.all(members);
}

function progress(): void {
  const line = { elapsedS: Math.round(since() / 1000), tcp, udp, files, chat };
  process.stderr.write(`${JSON.stringify(line)}\n`);
}

const ticker = setInterval(progress, options.progressMs);
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
await Promise.all([
  ...range(options.tcp.workers).map(() => tcpWorker()),
  ...range(options.udp.workers).map(() => udpWorker()),
  ...range(options.files.workers).map((worker) => fileWorker(worker)),
  lister(),
  chatLoad(),
]);
await finalFileCheck();
clearInterval(ticker);
const result: FaultSoakProbeResult = {
  durationMs: performance.now() - startMs,
  tcp,
  udp,
  files: { ...files, ledger: fileLedger.judge() },
  chat: { ...chat, ledger: chatJudgement ?? chatLedger.judge() },
  firstGiveUps,
  firstLosses,
};
process.stdout.write(`${JSON.stringify(result)}\n`);
