import { createRequire } from "node:module";
import { SocklabError } from "../../../protocol/socklab-error.ts";

/** The part of irc-framework's Client (an npm IRC client library, untyped) these tests use. */
interface IrcFrameworkClient {
  connect(options: Record<string, unknown>): void;
  on(event: string, listener: (event: IrcEvent) => void): void;
  join(channel: string): void;
  say(target: string, text: string): void;
  changeNick(nick: string): void;
  quit(message?: string): void;
}

/** What irc-framework emits: `nick`, `channel`, `target`, `message`, `new_nick`, ... */
export type IrcEvent = Record<string, unknown>;

export interface RecordedIrcEvent {
  readonly name: string;
  readonly event: IrcEvent;
}

const require = createRequire(import.meta.url);
const { Client } = require("irc-framework") as { Client: new () => IrcFrameworkClient };

const RECORDED_EVENTS = [
  "registered",
  "join",
  "part",
  "quit",
  "nick",
  "privmsg",
  "notice",
  "irc error",
  "close",
];

/** An irc-framework client that records its events so a test can wait for one. */
export class RecordingIrcClient {
  readonly client: IrcFrameworkClient = new Client();
  readonly events: RecordedIrcEvent[] = [];
  readonly #listeners = new Set<() => void>();

  private constructor() {
    for (const name of RECORDED_EVENTS) {
      this.client.on(name, (event) => {
        this.events.push({ name, event });
        for (const listener of [...this.#listeners]) listener();
      });
    }
  }

  /** Connects without reconnecting, resolves once registered (001 received). */
  static async connect(port: number, nick: string): Promise<RecordingIrcClient> {
    const recorder = new RecordingIrcClient();
    recorder.client.connect({
      host: "127.0.0.1",
      port,
      nick,
      username: nick,
      gecos: `${nick} (irc-framework)`,
      auto_reconnect: false,
    });
    await recorder.waitFor((name) => name === "registered");
    return recorder;
  }

  waitFor(predicate: (name: string, event: IrcEvent) => boolean, timeoutMs = 5_000): Promise<IrcEvent> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const found = this.events.find((recorded) => predicate(recorded.name, recorded.event));
        if (found === undefined) return;
        clearTimeout(timer);
        this.#listeners.delete(check);
        resolve(found.event);
      };
      const timer = setTimeout(() => {
        this.#listeners.delete(check);
        const last = this.events
          .slice(-5)
          .map((recorded) => `${recorded.name} ${JSON.stringify(recorded.event)}`);
        reject(
          new SocklabError(
            "ERR_WAIT_TIMEOUT",
            `irc-framework saw no matching event within ${timeoutMs} ms; last:\n${last.join("\n")}`,
          ),
        );
      }, timeoutMs);
      this.#listeners.add(check);
      check();
    });
  }

  /** Sends QUIT and waits for the connection to close. */
  async quit(message: string): Promise<void> {
    this.client.quit(message);
    await this.waitFor((name) => name === "close");
  }
}
