import { spawn } from "node:child_process";
import readline from "node:readline";
import { waitFor } from "../../labkit/wait-for.ts";
import { SocklabError } from "../../protocol/socklab-error.ts";

/** Where the workbench image holds this repository's cli/ (see the Dockerfile). */
const SCRIPTS_DIR_IN_WORKBENCH = "/app/cli/tour/workbench";
const DEFAULT_EVENT_TIMEOUT_MS = 20_000;
const EXIT_TIMEOUT_MS = 15_000;

export interface ScriptEvent {
  event: string;
  [field: string]: unknown;
}

/** A script of cli/tour/workbench/ running in the workbench, one JSON event per line on its stdout. */
export interface WorkbenchScript extends AsyncDisposable {
  /** Every event so far, in order. */
  readonly events: readonly ScriptEvent[];
  /** The first event of this name not taken yet; fails at once if the script exits without it. */
  next(event: string, timeoutMs?: number): Promise<ScriptEvent>;
  /** One line on the script's stdin: the scripts wait for one where the tour shows the tables. */
  send(line: string): void;
  /** Ends its stdin and waits for it to exit; a non-zero exit is an error that carries its stderr. */
  finish(): Promise<void>;
}

/**
 * Starts `node <script>` in the workbench through `docker exec -i`, so that the tour can read the
 * socket tables while the script holds its sockets open, and tell it when to go on.
 */
export function startWorkbenchScript(containerId: string, script: string): WorkbenchScript {
  const child = spawn(
    "docker",
    ["exec", "-i", containerId, "node", `${SCRIPTS_DIR_IN_WORKBENCH}/${script}`],
    {
      stdio: ["pipe", "pipe", "pipe"],
    },
  );
  const events: ScriptEvent[] = [];
  const taken = new Set<ScriptEvent>();
  let stderr = "";
  let exit: { code: number | null; error?: Error } | undefined;
  child.stderr.setEncoding("utf8").on("data", (text: string) => (stderr += text));
  readline.createInterface({ input: child.stdout }).on("line", (line) => events.push(parseLine(line)));
  child.on("error", (error) => (exit = { code: null, error }));
  child.on("close", (code) => (exit ??= { code }));
  child.stdin.on("error", () => undefined); // a script that has exited cannot read: its exit says why

  const failure = (what: string): SocklabError =>
    new SocklabError(
      "ERR_TOUR_SCRIPT",
      `${script} in the workbench ${what}: exit ${String(exit?.code)}${exit?.error ? ` (${exit.error.message})` : ""}${stderr ? `\n${stderr.trim()}` : ""}`,
      exit?.error ? { cause: exit.error } : undefined,
    );

  const waitForExit = () =>
    waitFor(() => exit, { timeoutMs: EXIT_TIMEOUT_MS, pollMs: 20, what: `${script} to exit` });

  const handle: WorkbenchScript = {
    events,
    async next(event, timeoutMs = DEFAULT_EVENT_TIMEOUT_MS) {
      const found = await waitFor(
        () => {
          const seen = events.find((e) => e.event === event && !taken.has(e));
          if (seen === undefined && exit !== undefined) throw failure(`exited before "${event}"`);
          return seen;
        },
        {
          timeoutMs,
          pollMs: 20,
          what: `${script} to report "${event}"`,
          describeLast: () => events.map((e) => JSON.stringify(e)).join("\n") + stderr,
        },
      );
      taken.add(found);
      return found;
    },
    send: (line) => child.stdin.write(`${line}\n`),
    async finish() {
      child.stdin.end();
      const { code } = await waitForExit();
      if (code !== 0) throw failure("failed");
    },
    async [Symbol.asyncDispose]() {
      if (exit !== undefined) return;
      child.stdin.end(); // the scripts end when their stdin does
      await waitForExit().catch(() => child.kill("SIGKILL"));
    },
  };
  return handle;
}

function parseLine(line: string): ScriptEvent {
  try {
    const parsed = JSON.parse(line) as unknown;
    if (typeof parsed === "object" && parsed !== null && "event" in parsed) return parsed as ScriptEvent;
  } catch {
    // not an event: kept as output below
  }
  return { event: "output", line };
}
