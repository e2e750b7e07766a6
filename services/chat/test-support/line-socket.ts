import net from "node:net";
import { LineDecoder } from "../../../protocol/chat/line-decoder.ts";
import { SocklabError } from "../../../protocol/socklab-error.ts";

export type LineMatcher = string | RegExp | ((line: string) => boolean);

export interface LineWaitOptions {
  /** Look at lines from this index on (default 0: every line since connecting). */
  since?: number;
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 5_000;

/**
 * A raw TCP client for server tests, as nc would be: lines in, lines out, no protocol knowledge.
 * Every line received is kept, so a test can wait for one that may already have arrived.
 */
export class LineSocket {
  readonly socket: net.Socket;
  readonly lines: string[] = [];
  readonly #decoder = new LineDecoder({ maxLineBytes: 64 * 1024 });
  readonly #waiters = new Set<() => void>();
  #closed = false;
  #answerPings = false;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on("data", (chunk: Buffer) => {
      for (const line of this.#decoder.push(chunk)) {
        const text = line.kind === "line" ? line.text : `<${line.reason}>`;
        this.lines.push(text);
        if (this.#answerPings) this.#answerPing(text);
      }
      this.#wake();
    });
    socket.on("error", () => undefined);
    socket.on("close", () => {
      this.#closed = true;
      this.#wake();
    });
  }

  static connect(port: number, host = "127.0.0.1"): Promise<LineSocket> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host, noDelay: true });
      socket.once("connect", () => {
        socket.off("error", reject);
        resolve(new LineSocket(socket));
      });
      socket.once("error", reject);
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  send(...lines: string[]): void {
    this.socket.write(lines.map((line) => `${line}\r\n`).join(""));
  }

  sendRaw(data: string | Uint8Array): void {
    this.socket.write(data);
  }

  /** The first line from `since` on that matches; its index is `lines.indexOf` of it. */
  async waitForLine(matcher: LineMatcher, options: LineWaitOptions = {}): Promise<string> {
    const index = await this.waitForIndex(matcher, options);
    return this.lines[index] ?? "";
  }

  async waitForIndex(matcher: LineMatcher, options: LineWaitOptions = {}): Promise<number> {
    const matches = toPredicate(matcher);
    let checked = options.since ?? 0;
    await this.#waitUntil(
      () => {
        for (; checked < this.lines.length; checked += 1) if (matches(this.lines[checked] ?? "")) return true;
        return false;
      },
      `a line matching ${String(matcher)}`,
      options.timeoutMs,
    );
    return checked;
  }

  async waitForClose(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
    await this.#waitUntil(() => this.#closed, "the server to close the connection", timeoutMs, true);
  }

  /** From now on, answers the server's pings: `? ping` with an empty line, IRC `PING` with `PONG`. */
  answerPings(): void {
    this.#answerPings = true;
  }

  #answerPing(line: string): void {
    if (line.startsWith("? ping:")) this.send("");
    else if (line.startsWith("PING ")) this.send(`PONG ${line.slice("PING ".length)}`);
  }

  destroy(): void {
    this.socket.destroy();
  }

  #waitUntil(
    condition: () => boolean,
    what: string,
    timeoutMs = DEFAULT_TIMEOUT_MS,
    closeIsFine = false,
  ): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (condition()) finish(undefined);
        else if (this.#closed && !closeIsFine) finish(`the connection closed first`);
      };
      const finish = (failure: string | undefined): void => {
        clearTimeout(timer);
        this.#waiters.delete(check);
        if (failure === undefined) resolve();
        else
          reject(
            new SocklabError(
              "ERR_WAIT_TIMEOUT",
              `waited for ${what}: ${failure}; last lines:\n${this.lines.slice(-8).join("\n")}`,
            ),
          );
      };
      const timer = setTimeout(() => finish(`not within ${timeoutMs} ms`), timeoutMs);
      this.#waiters.add(check);
      check();
    });
  }

  #wake(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }
}

function toPredicate(matcher: LineMatcher): (line: string) => boolean {
  if (typeof matcher === "string") return (line) => line === matcher;
  if (matcher instanceof RegExp) return (line) => matcher.test(line);
  return matcher;
}
