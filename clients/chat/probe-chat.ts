import { randomBytes } from "node:crypto";
import net from "node:net";
import { LineDecoder } from "../../protocol/chat/line-decoder.ts";
import { parseIrcMessage } from "../../protocol/chat/parse-irc-message.ts";
import { SocklabError } from "../../protocol/socklab-error.ts";

export interface ChatProbe {
  host: string;
  port: number;
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 2_000;

/**
 * One round trip through the chat protocol, for a healthcheck: `CAP LS` (which picks IRC), `PING
 * :token`, wait for the `PONG` with that token, `QUIT`. No nick is taken and no room joined, so
 * nobody in the rooms sees the probe.
 */
export function probeChat(probe: ChatProbe): Promise<void> {
  const timeoutMs = probe.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const where = `${probe.host}:${probe.port}`;
  const token = `probe-${randomBytes(6).toString("hex")}`;
  return new Promise((resolve, reject) => {
    const decoder = new LineDecoder();
    const socket = net.connect({ host: probe.host, port: probe.port });
    let answered = false;
    const fail = (message: string, cause?: unknown): void => {
      if (answered) return;
      clearTimeout(timer);
      socket.destroy();
      reject(new SocklabError("ERR_CHAT_PROBE", `chat probe of ${where}: ${message}`, { cause }));
    };
    const timer = setTimeout(() => fail(`no PONG within ${timeoutMs} ms`), timeoutMs);
    socket.on("connect", () => socket.write(`CAP LS 302\r\nPING :${token}\r\n`));
    socket.on("data", (chunk: Buffer) => {
      for (const line of decoder.push(chunk)) {
        if (answered || line.kind !== "line" || !isPong(line.text, token)) continue;
        answered = true;
        clearTimeout(timer);
        // The server answers QUIT with ERROR and closes; a grace bounds it if it does not.
        socket.end("QUIT :probe\r\n");
        setTimeout(() => socket.destroy(), timeoutMs).unref();
        resolve();
      }
    });
    socket.on("error", (error) => fail(error.message, error));
    socket.on("close", () => fail("closed before the PONG"));
  });
}

function isPong(line: string, token: string): boolean {
  try {
    const message = parseIrcMessage(line);
    return message.command === "PONG" && message.params.at(-1) === token;
  } catch {
    return false;
  }
}
