import { EventEmitter } from "node:events";
import net from "node:net";
import { CHAT_LIMITS } from "../../protocol/chat/chat-limits.ts";
import { foldCase } from "../../protocol/chat/fold-case.ts";
import { LineDecoder } from "../../protocol/chat/line-decoder.ts";
import { parsePlainServerLine, type ParsedServerLine } from "../../protocol/chat/parse-plain-server-line.ts";
import { utf8ByteLength } from "../../protocol/chat/utf8-byte-length.ts";
import { toErrorCode, type ErrorCode } from "../../protocol/error-codes.ts";
import { SocklabError } from "../../protocol/socklab-error.ts";

export interface ChatClientOptions {
  host: string;
  port: number;
  nick: string;
  /** Joined once the nick is accepted, when it is not the room the server puts everyone in. */
  room?: string;
  /** Deadline for connecting, the nick being accepted and the room joined. */
  connectTimeoutMs?: number;
  /** Deadline for each later request: setNick, join, part, who, quit, close. */
  requestTimeoutMs?: number;
  /** Events kept for `waitFor` and `history` (at least this many; the oldest go first). */
  maxHistoryEvents?: number;
}

/** Every line from the server, parsed: messages, joins, parts, nick changes, quits, errors, ... */
export type ChatEvent = ParsedServerLine;

export interface ChatClientEvents {
  event: [event: ChatEvent];
  /** The connection is gone; `reason` is the server's closing line when it sent one. */
  close: [reason: string];
}

export interface WaitOptions {
  timeoutMs?: number;
  /** Consider events from this index of the whole stream on (see `eventCount`); 0 by default. */
  since?: number;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_HISTORY_EVENTS = 10_000;

// A request is settled by the first event it recognises: done (maybe with a value) or failed.
type Settle<T> = (event: ChatEvent) => { done: T } | { failed: string; code: ErrorCode } | undefined;

/**
 * A client for the chat service's plain-line protocol, for the CLI and the lab tests. It keeps the
 * events it has seen, so a test can wait for one that may already have arrived.
 *
 * ```ts
 * await using alice = await ChatClient.connect({ host: "chat", port: 6667, nick: "alice" });
 * alice.send("hello");
 * await alice.waitFor((e) => e.kind === "message" && e.from === "bob");
 * ```
 */
export class ChatClient extends EventEmitter<ChatClientEvents> {
  readonly #socket: net.Socket;
  readonly #where: string;
  readonly #requestTimeoutMs: number;
  readonly #maxHistoryEvents: number;
  readonly #decoder = new LineDecoder();
  #nick: string;
  #room: string | undefined;
  #history: ChatEvent[] = [];
  #historyStart = 0;
  #closeReason: string | undefined;
  #closed = false;
  // Requests run one at a time, so that each reply is matched to the request that caused it.
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(socket: net.Socket, options: ChatClientOptions) {
    super();
    this.#socket = socket;
    this.#where = `${options.host}:${options.port}`;
    this.#nick = options.nick;
    this.#requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.#maxHistoryEvents = options.maxHistoryEvents ?? DEFAULT_MAX_HISTORY_EVENTS;
    socket.on("data", (chunk: Buffer) => {
      for (const line of this.#decoder.push(chunk)) if (line.kind === "line") this.#receive(line.text);
    });
    socket.on("error", (error) => (this.#closeReason ??= `socket error: ${error.message}`));
    socket.on("close", () => {
      this.#closed = true;
      this.emit("close", this.#closeReason ?? "connection closed by the server");
    });
  }

  /** Connects, takes `nick`, and resolves once the server has put the client in a room. */
  static async connect(options: ChatClientOptions): Promise<ChatClient> {
    checkWord(options.nick);
    const timeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    const socket = await openSocket(options.host, options.port, timeoutMs);
    const client = new ChatClient(socket, options);
    try {
      await client.#request(() => client.#writeLine(options.nick), client.#settleJoin(undefined), timeoutMs);
      // Registration already puts a client in the default room; joining it again would get no answer.
      if (options.room !== undefined && options.room.toLowerCase() !== client.room?.toLowerCase()) {
        await client.join(options.room);
      }
      return client;
    } catch (error) {
      client.#socket.destroy();
      throw error;
    }
  }

  get nick(): string {
    return this.#nick;
  }

  /** The room every line sent goes to, or `undefined` after `part`. */
  get room(): string | undefined {
    return this.#room;
  }

  /** This end's port: what the server's socket table shows as the remote port. */
  get localPort(): number | undefined {
    return this.#socket.localPort;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** How many events have arrived so far: pass it as `since` to wait only for later ones. */
  get eventCount(): number {
    return this.#historyStart + this.#history.length;
  }

  /** The events kept, oldest first. */
  get history(): readonly ChatEvent[] {
    return this.#history;
  }

  /** Sends text to the current room; a leading `/` is escaped so it is never read as a command. */
  send(text: string): void {
    this.#writeLine(text.startsWith("/") ? `/${checkText(text)}` : checkText(text));
  }

  /**
   * Sends one line as a person would type it: text for the room, or a command such as `/who`. For
   * an interactive terminal; replies arrive as events.
   */
  sendLine(line: string): void {
    if (/[\r\n\0]/.test(line))
      throw new SocklabError("ERR_CHAT_BAD_TEXT", "a line cannot hold CR, LF or NUL");
    this.#writeLine(line);
  }

  /** Sends text to one user. */
  msg(nick: string, text: string): void {
    this.#writeLine(`/msg ${checkWord(nick)} ${checkText(text)}`);
  }

  /** Changes nick; rejects with the server's code (ERR_NICKNAMEINUSE, ERR_ERRONEUSNICKNAME). */
  async setNick(nick: string): Promise<void> {
    if (nick === this.#nick) return;
    // Our own nick changes as the event is tracked, so the request remembers the one it renamed.
    let oldNick = "";
    await this.#request(
      () => {
        oldNick = foldCase(this.#nick);
        this.#writeLine(`/nick ${checkWord(nick)}`);
      },
      (event) => {
        if (event.kind === "nick" && foldCase(event.nick) === oldNick && event.newNick === nick)
          return { done: undefined };
        return failure(event, ["ERR_ERRONEUSNICKNAME", "ERR_NICKNAMEINUSE", "ERR_NEEDMOREPARAMS"]);
      },
    );
  }

  /** Leaves the current room for `room` and resolves with its members. */
  async join(room: string): Promise<string[]> {
    const name = room.startsWith("#") ? room : `#${room}`;
    return this.#request(() => this.#writeLine(`/join ${checkWord(name)}`), this.#settleJoin(name));
  }

  /** Leaves the current room. */
  async part(): Promise<void> {
    await this.#request(
      () => this.#writeLine("/part"),
      (event) =>
        event.kind === "part" && this.#isSelf(event.nick)
          ? { done: undefined }
          : failure(event, ["ERR_NOTONCHANNEL"]),
    );
  }

  /** The members of the current room, or of `room`. */
  async who(room?: string): Promise<string[]> {
    const nicks: string[] = [];
    return this.#request(
      () => this.#writeLine(room === undefined ? "/who" : `/who ${checkWord(room)}`),
      (event) => {
        if (event.kind !== "members") return failure(event, ["ERR_NOTONCHANNEL", "ERR_NOSUCHCHANNEL"]);
        if (room !== undefined && foldCase(event.room) !== foldCase(room.startsWith("#") ? room : `#${room}`))
          return undefined;
        nicks.push(...event.nicks);
        return nicks.length >= event.total ? { done: nicks } : undefined;
      },
    );
  }

  /**
   * The first event, among those kept from `since` on and those still to come, that `predicate`
   * accepts; rejects with ERR_CHAT_TIMEOUT or, if the connection closes first, ERR_CHAT_CLOSED.
   */
  waitFor<T extends ChatEvent>(
    predicate: (event: ChatEvent) => event is T,
    options?: WaitOptions,
  ): Promise<T>;
  waitFor(predicate: (event: ChatEvent) => boolean, options?: WaitOptions): Promise<ChatEvent>;
  waitFor(predicate: (event: ChatEvent) => boolean, options: WaitOptions = {}): Promise<ChatEvent> {
    const timeoutMs = options.timeoutMs ?? this.#requestTimeoutMs;
    const from = Math.max(0, (options.since ?? 0) - this.#historyStart);
    const seen = this.#history.slice(from).find(predicate);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const cleanup = (): void => {
        clearTimeout(timer);
        this.off("event", onEvent);
        this.off("close", onClose);
      };
      const onEvent = (event: ChatEvent): void => {
        if (!predicate(event)) return;
        cleanup();
        resolve(event);
      };
      const onClose = (reason: string): void => {
        cleanup();
        reject(
          new SocklabError(
            "ERR_CHAT_CLOSED",
            `chat ${this.#nick}@${this.#where} closed before the event came: ${reason}`,
          ),
        );
      };
      const timer = setTimeout(() => {
        cleanup();
        const last = this.#history.at(-1);
        reject(
          new SocklabError(
            "ERR_CHAT_TIMEOUT",
            `chat ${this.#nick}@${this.#where} saw no matching event within ${timeoutMs} ms; last: ${JSON.stringify(last ?? null)}`,
          ),
        );
      }, timeoutMs);
      if (this.#closed) return onClose(this.#closeReason ?? "already closed");
      this.on("event", onEvent);
      this.on("close", onClose);
    });
  }

  /** Writes bytes as they are, for tests of bad input: no line end added, nothing checked. */
  sendRaw(data: string | Uint8Array): void {
    this.#socket.write(data);
  }

  /** Stops reading from the socket, as a slow consumer does; the server's queue for us then fills. */
  pauseReading(): void {
    this.#socket.pause();
  }

  resumeReading(): void {
    this.#socket.resume();
  }

  /** Says /quit and waits for the server to close the connection. */
  async quit(reason?: string): Promise<void> {
    if (this.#closed) return;
    this.#writeLine(reason === undefined ? "/quit" : `/quit ${checkText(reason)}`);
    await this.#closedWithin(this.#requestTimeoutMs);
  }

  /** Ends the connection (FIN) and waits for it to close; destroys it if the server takes too long. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#socket.end();
    await this.#closedWithin(this.#requestTimeoutMs);
  }

  /** Resets the connection (RST), as a killed client would; the server must notice on its own. */
  abort(): void {
    this.#socket.resetAndDestroy();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #receive(text: string): void {
    const event = parsePlainServerLine(text);
    this.#track(event);
    this.#history.push(event);
    // Trimmed in halves, so that keeping a long history costs O(1) per event.
    if (this.#history.length >= 2 * this.#maxHistoryEvents) {
      const dropped = this.#history.length - this.#maxHistoryEvents;
      this.#history.splice(0, dropped);
      this.#historyStart += dropped;
    }
    this.emit("event", event);
  }

  // Follows our own nick and room, and answers the server's ping so an idle client is kept.
  #track(event: ChatEvent): void {
    if (event.kind === "nick" && this.#isSelf(event.nick)) this.#nick = event.newNick;
    else if (event.kind === "join" && this.#isSelf(event.nick)) this.#room = event.room;
    else if (event.kind === "part" && this.#isSelf(event.nick)) this.#room = undefined;
    else if (event.kind === "question" && event.topic === "ping") this.#writeLine("");
    else if (event.kind === "error" && event.code === "ERROR") this.#closeReason = event.text;
    else if (event.kind === "irc" && event.message.command === "ERROR")
      this.#closeReason = event.message.params[0] ?? "ERROR";
  }

  #isSelf(nick: string): boolean {
    return foldCase(nick) === foldCase(this.#nick);
  }

  // Our join to `room` (any room when undefined), then the members listing that follows it.
  #settleJoin(room: string | undefined): Settle<string[]> {
    let joined: string | undefined;
    const nicks: string[] = [];
    return (event) => {
      if (
        event.kind === "join" &&
        this.#isSelf(event.nick) &&
        (room === undefined || foldCase(event.room) === foldCase(room))
      ) {
        joined = event.room;
      } else if (
        event.kind === "members" &&
        joined !== undefined &&
        foldCase(event.room) === foldCase(joined)
      ) {
        nicks.push(...event.nicks);
        if (nicks.length >= event.total) return { done: nicks };
      } else if (event.kind === "irc" && event.message.command === "ERROR") {
        return { failed: event.message.params[0] ?? "ERROR", code: "ERR_CHAT_CLOSED" };
      }
      return failure(event, [
        "ERR_ERRONEUSNICKNAME",
        "ERR_NICKNAMEINUSE",
        "ERR_NOSUCHCHANNEL",
        "ERR_NEEDMOREPARAMS",
        "ERROR",
      ]);
    };
  }

  #request<T>(send: () => void, settle: Settle<T>, timeoutMs = this.#requestTimeoutMs): Promise<T> {
    const run = async (): Promise<T> => {
      const since = this.eventCount;
      let outcome: ReturnType<Settle<T>>;
      send();
      await this.waitFor(
        (event) => {
          outcome = settle(event);
          return outcome !== undefined;
        },
        { since, timeoutMs },
      );
      const settled = outcome as NonNullable<ReturnType<Settle<T>>>;
      if ("failed" in settled)
        throw new SocklabError(settled.code, `chat ${this.#nick}@${this.#where}: ${settled.failed}`);
      return settled.done;
    };
    const result = this.#queue.then(run, run);
    this.#queue = result.catch(() => undefined);
    return result;
  }

  #writeLine(line: string): void {
    if (this.#closed)
      throw new SocklabError("ERR_CHAT_CLOSED", `chat ${this.#nick}@${this.#where} is closed`);
    this.#socket.write(`${line}\r\n`);
  }

  async #closedWithin(timeoutMs: number): Promise<void> {
    if (this.#closed) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => this.#socket.destroy(), timeoutMs);
      this.once("close", () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

function failure(
  event: ChatEvent,
  codes: readonly string[],
): { failed: string; code: ErrorCode } | undefined {
  if (event.kind !== "error" || !codes.includes(event.code)) return undefined;
  return { failed: `${event.code} ${event.text}`, code: toErrorCode(event.code, "ERR_CHAT_REFUSED") };
}

function checkText(text: string): string {
  if (/[\r\n\0]/.test(text))
    throw new SocklabError(
      "ERR_CHAT_BAD_TEXT",
      "chat text cannot hold CR, LF or NUL: it would split the line",
    );
  if (text === "") throw new SocklabError("ERR_CHAT_BAD_TEXT", "chat text cannot be empty");
  const bytes = utf8ByteLength(text);
  if (bytes > CHAT_LIMITS.maxTextBytes) {
    throw new SocklabError(
      "ERR_CHAT_BAD_TEXT",
      `chat text has at most ${CHAT_LIMITS.maxTextBytes} bytes of UTF-8, got ${bytes}`,
    );
  }
  return text;
}

function checkWord(word: string): string {
  if (word === "" || /\s|\0/.test(word))
    throw new SocklabError("ERR_CHAT_BAD_TEXT", `not a single word: ${JSON.stringify(word)}`);
  return word;
}

function openSocket(host: string, port: number, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port, noDelay: true });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new SocklabError(
          "ERR_CHAT_CONNECT_TIMEOUT",
          `chat ${host}:${port} did not accept within ${timeoutMs} ms`,
        ),
      );
    }, timeoutMs);
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.removeAllListeners("error");
      resolve(socket);
    });
    socket.once("error", (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        new SocklabError(
          toErrorCode(error.code, "ERR_CHAT_CONNECT"),
          `chat ${host}:${port}: ${error.message}`,
          {
            cause: error,
          },
        ),
      );
    });
  });
}
