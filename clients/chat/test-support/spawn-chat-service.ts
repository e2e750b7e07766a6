import { spawn, type ChildProcessByStdio } from "node:child_process";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { SocklabError } from "../../../protocol/socklab-error.ts";

const MAIN = fileURLToPath(new URL("../../../services/chat/main.ts", import.meta.url));
const START_TIMEOUT_MS = 10_000;

/** The chat service's own `main.ts` in a child process on 127.0.0.1 and a free port: reached only over TCP. */
export interface SpawnedChatService extends AsyncDisposable {
  readonly host: string;
  readonly port: number;
  /** Its JSON log lines so far. */
  readonly logs: Record<string, unknown>[];
  readonly child: ChildProcessByStdio<null, Readable, null>;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

export async function spawnChatService(env: Record<string, string> = {}): Promise<SpawnedChatService> {
  const child = spawn(process.execPath, [MAIN], {
    env: { ...process.env, SOCKLAB_HOST: "127.0.0.1", SOCKLAB_PORT: "0", ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const logs: Record<string, unknown>[] = [];
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const port = new Promise<number>((resolve, reject) => {
    const deadline = setTimeout(() => {
      reject(new SocklabError("ERR_CHAT_SPAWN", `chat service did not listen within ${START_TIMEOUT_MS} ms`));
    }, START_TIMEOUT_MS);
    void exited.then((code) => {
      clearTimeout(deadline);
      reject(new SocklabError("ERR_CHAT_SPAWN", `chat service exited with ${String(code)} before listening`));
    });
    let rest = "";
    child.stdout.setEncoding("utf8").on("data", (text: string) => {
      const lines = (rest + text).split("\n");
      rest = lines.pop() ?? "";
      for (const line of lines) {
        const entry = JSON.parse(line) as Record<string, unknown>;
        logs.push(entry);
        // `chat listening on 127.0.0.1:41234`
        const match = entry["event"] === "listening" ? /:(\d+)$/.exec(String(entry["message"])) : null;
        if (match) {
          clearTimeout(deadline);
          resolve(Number(match[1]));
        }
      }
    });
  });
  const stop = async (): Promise<number | null> => {
    if (child.exitCode === null) child.kill("SIGTERM");
    return exited;
  };
  return {
    host: "127.0.0.1",
    port: await port,
    logs,
    child,
    stop,
    [Symbol.asyncDispose]: async () => {
      await stop();
    },
  };
}
