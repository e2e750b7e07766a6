import { readFileSync } from "node:fs";
import { stripTypeScriptTypes } from "node:module";
import path from "node:path";
import { SocklabError } from "../../protocol/socklab-error.ts";
import type { ExecResult, Lab } from "../../labkit/lab/start-lab.ts";

/** The probes: self-contained scripts that run in the workbench, each printing one JSON line. */
export type ProbeName =
  | "tcp-throughput-probe.ts"
  | "tcp-round-trip-probe.ts"
  | "udp-round-trip-probe.ts"
  | "round_trip_probe.py"
  | "udp-rate-probe.ts"
  | "throughput_probe.py"
  | "tcp-connect-rate-probe.ts"
  | "tcp-hold-probe.ts"
  | "irc-delivery-probe.ts"
  | "file-transfer-probe.ts"
  | "soak-probe.ts"
  | "fault-soak-probe.ts";

// How each kind of probe runs from source text, with no file in the (read-only) workbench. A .ts
// probe's types are stripped here: Node's own stripping would load a compiler into the probe (about
// 16 MiB of its RSS, which the file-transfer probe reports as the client's).
const INTERPRETER_BY_EXTENSION: Record<string, readonly string[]> = {
  ".ts": ["node", "--input-type=module", "-e"],
  ".py": ["python3", "-c"],
};

const sourceCache = new Map<ProbeName, string>();

function probeSource(name: ProbeName): string {
  let source = sourceCache.get(name);
  if (source === undefined) {
    source = readFileSync(path.join(import.meta.dirname, name), "utf8");
    if (path.extname(name) === ".ts") source = stripTypeScriptTypes(source, { mode: "strip" });
    sourceCache.set(name, source);
  }
  return source;
}

/**
 * Runs a probe in the workbench, so that both ends live on the lab network: the source goes as
 * text (`node --input-type=module -e`, types stripped; `python3 -c`), the options as one JSON argument,
 * and the last stdout line comes back parsed.
 */
export async function runProbe<T>(lab: Lab, name: ProbeName, options: object): Promise<T> {
  const result = await lab.exec("workbench", probeCommand(name, options));
  return parseProbeOutput(name, result) as T;
}

/** The command line that runs a probe from its source text, wherever it runs. */
export function probeCommand(name: ProbeName, options: object): string[] {
  const interpreter = INTERPRETER_BY_EXTENSION[path.extname(name)] ?? [];
  return [...interpreter, probeSource(name), JSON.stringify(options)];
}

/** A probe's result: its last stdout line, parsed; a failure carries both outputs. */
export function parseProbeOutput(name: ProbeName, result: ExecResult): unknown {
  const lastLine = result.stdout.trim().split("\n").at(-1) ?? "";
  if (result.exitCode !== 0 || !lastLine.startsWith("{")) {
    throw new SocklabError(
      "ERR_BENCH_PROBE",
      `${name} exited ${result.exitCode}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`,
    );
  }
  return JSON.parse(lastLine);
}
