import type net from "node:net";
import {
  CHAT_FAIL_CODES,
  CHAT_NUMERICS,
  type ChatFailCode,
  type ChatNumericName,
} from "../../protocol/chat/chat-numerics.ts";
import { formatPlainServerLine } from "../../protocol/chat/format-plain-server-line.ts";
import { LineDecoder, type DecodedLine } from "../../protocol/chat/line-decoder.ts";
import type { IrcMessage } from "../../protocol/chat/parse-irc-message.ts";
import type { PlainServerLine } from "../../protocol/chat/plain-server-line.ts";
import { serializeIrcMessage } from "../../protocol/chat/serialize-irc-message.ts";
import { formatEndpoint } from "../../protocol/format-endpoint.ts";
import type { JsonLog } from "../runtime/json-log.ts";
import type { Broadcast, ChatMode } from "./broadcast.ts";
import type { ChatHub, ChatMember, ChatRoom } from "./chat-hub.ts";
import { formatDuration } from "./format-duration.ts";
import { formatIrcHost } from "./format-irc-host.ts";
import { handleIrcLine } from "./irc-session.ts";
import { handlePlainLine } from "./plain-session.ts";
import { TokenBucket } from "./token-bucket.ts";
import type { TurnBatcher } from "./turn-batcher.ts";

/** What every connection needs from the server's options. */
export interface ConnectionSettings {
  readonly serverName: string;
  readonly defaultRoom: string;
  readonly createdAt: Date;
  readonly maxQueueBytes: number;
  readonly registrationTimeoutMs: number;
  readonly pingIntervalMs: number;
  readonly pingTimeoutMs: number;
  readonly floodBurstLines: number;
  readonly floodLinesPerSecond: number;
  readonly floodMaxWaitingLines: number;
  readonly closeGraceMs: number;
  readonly log: JsonLog;
  /** Flushes every connection's output of one event-loop turn together. */
  readonly batcher: TurnBatcher;
}

export interface CloseOptions {
  /** Send the reason as a last line first; not when the client's own queue is the problem. */
  readonly farewell?: boolean;
  /** Tell the rooms; a server shutdown does not (n quits to n members is n squared writes). */
  readonly announce?: boolean;
}

// IRC clients send these first; a plain user answering the nick prompt types just a nick.
const IRC_REGISTRATION = /^(?:NICK|USER|CAP|PASS)(?: |$)/;

const MAX_OUTBOX_BYTES = 16 * 1024;

const QUIT_REASON_BY_ERROR_CODE: Readonly<Record<string, string>> = {
  ECONNRESET: "Connection reset by peer",
  EPIPE: "Broken pipe",
  ETIMEDOUT: "Connection timed out",
};

const REJECTION_REPLIES = {
  "too-long": (line: Extract<DecodedLine, { kind: "rejected" }>) =>
    [
      "ERR_INPUTTOOLONG",
      `Input line was too long: at least ${line.byteLength} bytes, at most 512 with CRLF; dropped`,
    ] as const,
  "invalid-utf8": () => ["INVALID_UTF8", CHAT_FAIL_CODES.INVALID_UTF8] as const,
  "forbidden-byte": () => ["FORBIDDEN_BYTE", CHAT_FAIL_CODES.FORBIDDEN_BYTE] as const,
};

/**
 * One client from accept to close: reads lines within its rate limit, hands them to the plain or
 * IRC session, and writes what the hub delivers through a bounded queue.
 */
export class ChatConnection implements ChatMember {
  readonly socket: net.Socket;
  readonly hub: ChatHub;
  readonly settings: ConnectionSettings;
  /** `172.18.0.3:41234`, for the log. */
  readonly peer: string;
  readonly host: string;
  readonly rooms = new Set<ChatRoom>();
  nick = "*";
  mode: ChatMode = "unknown";
  userName = "plain";
  registered = false;
  /** IRC registration in progress: the NICK given, whether USER came, whether CAP LS holds it. */
  readonly registration: { nick: string | undefined; userGiven: boolean; capNegotiating: boolean } = {
    nick: undefined,
    userGiven: false,
    capNegotiating: false,
  };

  readonly #decoder = new LineDecoder();
  readonly #bucket: TokenBucket;
  readonly #onClosed: (connection: ChatConnection) => void;
  readonly #openedAtMs = performance.now();
  #lastHeardAtMs = this.#openedAtMs;
  #pingSentAtMs: number | undefined;
  // Lines read but not yet handled because the rate limit ran out; `#waitingHead` is the next one.
  #waiting: DecodedLine[] = [];
  #waitingHead = 0;
  #paused = false;
  // What this turn of the event loop has for the client: one write at its end, not one per line.
  #outbox: Buffer[] = [];
  #outboxBytes = 0;
  #throttleTimer: NodeJS.Timeout | undefined;
  #destroyTimer: NodeJS.Timeout | undefined;
  #closeReason: string | undefined;
  #linesIn = 0;

  constructor(
    socket: net.Socket,
    hub: ChatHub,
    settings: ConnectionSettings,
    onClosed: (connection: ChatConnection) => void,
  ) {
    this.socket = socket;
    this.hub = hub;
    this.settings = settings;
    this.peer = formatEndpoint(socket.remoteAddress, socket.remotePort);
    this.host = formatIrcHost(socket.remoteAddress);
    this.#bucket = new TokenBucket(settings.floodBurstLines, settings.floodLinesPerSecond, this.#openedAtMs);
    this.#onClosed = onClosed;
    socket.on("data", (chunk: Buffer) => this.#receive(chunk));
    socket.on("end", () => this.#peerEnded());
    socket.on("error", (error: NodeJS.ErrnoException) =>
      this.close(reasonForError(error), { farewell: false }),
    );
    socket.on("close", () => this.#closed());
    // An IRC NOTICE, so that an IRC client can read it too; a person with nc reads the text.
    this.sendNotice(`*** socklab chat: type a nick to start (IRC clients: register as usual)`);
  }

  get prefix(): string {
    return `${this.nick}!${this.userName}@${this.host}`;
  }

  /** Why the connection closed or is closing; `undefined` while it is open. */
  get closeReason(): string | undefined {
    return this.#closeReason;
  }

  get linesIn(): number {
    return this.#linesIn;
  }

  get ageMs(): number {
    return performance.now() - this.#openedAtMs;
  }

  deliver(broadcast: Broadcast): void {
    this.#write(broadcast.bytesFor(this.mode));
  }

  sendIrc(message: IrcMessage): void {
    this.#write(Buffer.from(serializeIrcMessage(message)));
  }

  sendPlain(line: PlainServerLine): void {
    this.#write(Buffer.from(`${formatPlainServerLine(line)}\r\n`));
  }

  sendNotice(text: string): void {
    this.sendIrc({ prefix: this.settings.serverName, command: "NOTICE", params: [this.nick, text] });
  }

  /** A numeric reply: `:server CODE <nick> <params...> :<text>`; an empty text is left out. */
  sendNumeric(
    name: ChatNumericName,
    params: readonly string[],
    text: string = CHAT_NUMERICS[name].text,
  ): void {
    const trailing = text === "" ? [] : [text];
    this.sendIrc({
      prefix: this.settings.serverName,
      command: CHAT_NUMERICS[name].code,
      params: [this.nick, ...params, ...trailing],
    });
  }

  /**
   * An error in the client's protocol: a numeric or `FAIL * CODE` for IRC, `! CODE subject: text`
   * for plain lines, a NOTICE while the protocol is not known yet.
   */
  replyError(code: ChatNumericName | ChatFailCode, subject: string | undefined, detail?: string): void {
    const isNumeric = Object.hasOwn(CHAT_NUMERICS, code);
    const text =
      detail ??
      (isNumeric ? CHAT_NUMERICS[code as ChatNumericName].text : CHAT_FAIL_CODES[code as ChatFailCode]);
    if (this.mode === "irc" && isNumeric) {
      this.sendNumeric(code as ChatNumericName, subject === undefined ? [] : [subject], text);
    } else if (this.mode === "irc") {
      this.sendIrc({ prefix: this.settings.serverName, command: "FAIL", params: ["*", code, text] });
    } else {
      const line = subject === undefined ? text : `${subject}: ${text}`;
      if (this.mode === "plain") this.sendPlain({ kind: "error", code, text: line });
      else this.sendNotice(`${code} ${line}`);
    }
  }

  /** Marks the client registered under `nick`; false when the nick is taken. */
  register(nick: string): boolean {
    if (!this.hub.add(this, nick)) return false;
    this.registered = true;
    return true;
  }

  /** Closes once: leaves every room (announced unless told not to), says why, ends, and destroys after the grace. */
  close(reason: string, options: CloseOptions = {}): void {
    if (this.#closeReason !== undefined) return;
    this.#closeReason = reason;
    this.#shutDown(reason, options);
  }

  /** Called by the server's sweep: registration timeout, PING after silence, ping timeout. */
  checkTimers(nowMs: number): void {
    if (this.#closeReason !== undefined) return;
    const { registrationTimeoutMs, pingIntervalMs, pingTimeoutMs } = this.settings;
    if (!this.registered) {
      if (nowMs - this.#openedAtMs >= registrationTimeoutMs) {
        this.close(`Registration timeout: no nick within ${formatDuration(registrationTimeoutMs)}`);
      }
      return;
    }
    if (this.#pingSentAtMs === undefined) {
      if (nowMs - this.#lastHeardAtMs >= pingIntervalMs) this.#ping(nowMs);
    } else if (nowMs - this.#pingSentAtMs >= pingTimeoutMs) {
      this.close(`Ping timeout: silent for ${formatDuration(nowMs - this.#lastHeardAtMs)}`);
    }
  }

  #ping(nowMs: number): void {
    this.#pingSentAtMs = nowMs;
    if (this.mode === "irc") {
      this.sendIrc({ command: "PING", params: [this.settings.serverName] });
    } else {
      const text = `send any line within ${formatDuration(this.settings.pingTimeoutMs)} to stay connected (an empty line will do)`;
      this.sendPlain({ kind: "question", topic: "ping", text });
    }
  }

  #isClosing(): boolean {
    return this.#closeReason !== undefined;
  }

  #heard(): void {
    this.#lastHeardAtMs = performance.now();
    this.#pingSentAtMs = undefined;
  }

  #receive(chunk: Buffer): void {
    if (this.#closeReason !== undefined) return;
    this.#heard();
    for (const line of this.#decoder.push(chunk)) this.#waiting.push(line);
    this.#drain();
  }

  // Handles waiting lines while the bucket has tokens; past that, stops reading (TCP's window then
  // slows the sender) until the next token, and closes a client with too many lines waiting.
  #drain(): void {
    while (this.#waitingHead < this.#waiting.length && this.#closeReason === undefined) {
      if (!this.#bucket.take(performance.now())) break;
      this.#handleNext();
    }
    if (this.#closeReason !== undefined) return;
    const waitingLines = this.#waiting.length - this.#waitingHead;
    if (waitingLines === 0) {
      this.#waiting = [];
      this.#waitingHead = 0;
      this.#setPaused(false);
    } else if (waitingLines > this.settings.floodMaxWaitingLines) {
      const { floodMaxWaitingLines, floodLinesPerSecond } = this.settings;
      this.close(
        `Excess Flood: ${waitingLines} lines waiting, over ${floodMaxWaitingLines} at ${floodLinesPerSecond} lines/s`,
      );
    } else {
      this.#setPaused(true);
      this.#throttleTimer ??= setTimeout(() => {
        this.#throttleTimer = undefined;
        this.#drain();
      }, this.#bucket.msUntilToken(performance.now()));
    }
  }

  #setPaused(paused: boolean): void {
    if (paused === this.#paused) return;
    this.#paused = paused;
    if (paused) this.socket.pause();
    else this.socket.resume();
  }

  #handleNext(): void {
    const line = this.#waiting[this.#waitingHead];
    this.#waitingHead += 1;
    if (line === undefined) return;
    this.#linesIn += 1;
    this.#heard();
    try {
      if (line.kind === "rejected") {
        const [code, text] = REJECTION_REPLIES[line.reason](line);
        this.replyError(code, undefined, text);
      } else if (line.text.trim() !== "") {
        this.#dispatch(line.text);
      }
    } catch (error) {
      // A bug triggered by one client's line closes that client, never the server.
      this.settings.log("internal-error", {
        peer: this.peer,
        message: error instanceof Error ? error.message : String(error),
      });
      this.close("Internal error");
    }
  }

  #dispatch(text: string): void {
    if (this.mode === "unknown") this.mode = IRC_REGISTRATION.test(text) ? "irc" : "plain";
    if (this.mode === "irc") handleIrcLine(this, text);
    else handlePlainLine(this, text);
  }

  // The peer sent FIN: nothing more will come, so the lines still held by the rate limit are handled
  // now, then our side closes too (no CLOSE_WAIT left behind).
  #peerEnded(): void {
    if (this.#closeReason !== undefined) return;
    for (const line of this.#decoder.end()) this.#waiting.push(line);
    while (this.#waitingHead < this.#waiting.length && !this.#isClosing()) this.#handleNext();
    this.close("Connection closed");
  }

  // The bound is on bytes the kernel would not take (the client is not reading), not on this turn's
  // outbox, so a burst to a client that keeps up never counts against it.
  #write(bytes: Buffer): void {
    if (this.#closeReason !== undefined || this.socket.destroyed) return;
    if (this.socket.writableLength + bytes.length > this.settings.maxQueueBytes) {
      this.#overflow();
      return;
    }
    if (this.#outbox.length === 0) this.settings.batcher.add(this.#flush);
    this.#outbox.push(bytes);
    this.#outboxBytes += bytes.length;
    // A big turn goes out early, so the outbox stays small and the bound above sees the rest.
    if (this.#outboxBytes >= MAX_OUTBOX_BYTES) this.#flush();
  }

  readonly #flush = (): void => {
    const outbox = this.#outbox;
    this.#outbox = [];
    this.#outboxBytes = 0;
    if (outbox.length === 0 || this.socket.destroyed || !this.socket.writable) return;
    this.socket.write(outbox.length === 1 ? (outbox[0] as Buffer) : Buffer.concat(outbox));
  };

  // Called in the middle of a fan-out: mark now (no more writes), leave the rooms once it is over,
  // so that every other member still sees the events in one order. The reason goes last in the
  // queue: a client that reads again within the close grace still learns why.
  #overflow(): void {
    const reason = `Send queue exceeded: over ${this.settings.maxQueueBytes} bytes waiting, client not reading`;
    this.#closeReason = reason;
    queueMicrotask(() => this.#shutDown(reason, {}));
  }

  #shutDown(reason: string, options: CloseOptions): void {
    clearTimeout(this.#throttleTimer);
    if (this.registered) this.hub.remove(this, reason, options.announce ?? true);
    if ((options.farewell ?? true) && this.socket.writable) {
      this.#flush();
      this.socket.end(this.#farewell(reason));
      this.#destroyTimer = setTimeout(() => this.socket.destroy(), this.settings.closeGraceMs).unref();
    } else {
      this.socket.destroy();
    }
  }

  #farewell(reason: string): Buffer {
    if (this.mode === "plain")
      return Buffer.from(
        `${formatPlainServerLine({ kind: "error", code: "ERROR", text: `Closing link: ${reason}` })}\r\n`,
      );
    return Buffer.from(
      serializeIrcMessage({ command: "ERROR", params: [`Closing Link: ${this.host} (${reason})`] }),
    );
  }

  #closed(): void {
    clearTimeout(this.#throttleTimer);
    clearTimeout(this.#destroyTimer);
    if (this.#closeReason === undefined) {
      this.#closeReason = "Connection closed";
      if (this.registered) this.hub.remove(this, this.#closeReason, true);
    }
    this.#onClosed(this);
  }
}

function reasonForError(error: NodeJS.ErrnoException): string {
  return QUIT_REASON_BY_ERROR_CODE[error.code ?? ""] ?? `Socket error: ${error.code ?? error.message}`;
}
