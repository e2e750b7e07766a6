import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { stripVTControlCharacters } from "node:util";

const RUN_IN_TERMINAL = fileURLToPath(new URL("run-in-terminal.py", import.meta.url));

export interface TerminalSession {
  /** Everything the command has shown so far, without terminal control sequences. */
  readonly screen: string;
  /** Types bytes as a person would: "\r" is Enter, "\x03" Ctrl-C, "\x04" Ctrl-D. */
  type(keys: string): void;
  /** Resolves with the exit code once the command has ended (128 + N when signal N ended it). */
  readonly exited: Promise<number>;
  kill(): void;
}

/** Starts `command args` on a pseudo-terminal of its own (python3's pty), as at a person's terminal. */
export function startInTerminal(
  command: string,
  args: readonly string[],
  env: Record<string, string> = {},
): TerminalSession {
  const child = spawn("python3", [RUN_IN_TERMINAL, command, ...args], {
    env: { ...process.env, ...env },
    stdio: ["pipe", "pipe", "inherit"],
  });
  let raw = "";
  child.stdout.setEncoding("utf8").on("data", (text: string) => (raw += text));
  const exited = once(child, "close").then(([code]) => (code as number | null) ?? -1);
  return {
    get screen() {
      return stripVTControlCharacters(raw).replaceAll("\r", "");
    },
    type: (keys) => child.stdin.write(keys),
    exited,
    kill: () => child.kill("SIGKILL"),
  };
}
