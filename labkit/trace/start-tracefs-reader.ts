import { createInterface } from "node:readline";
import type Docker from "dockerode";
import { SocklabError } from "../../protocol/socklab-error.ts";
import { dockerClient } from "../docker/docker-client.ts";
import { execInContainer } from "../docker/exec-in-container.ts";
import { waitFor } from "../wait-for.ts";
import { TRACEFS_READER_SCRIPT } from "./tracefs-reader-script.ts";
import { startHelperContainer, TRACE_HELPER_LABEL, type HelperContainer } from "./start-helper-container.ts";

/** tracefs instances socklab makes are named with this prefix (and the helper's name). */
const INSTANCE_PREFIX = "socklab-trace-";
const INSTANCE_LABEL = "org.socklab.tracefs-instance";
const CONTROL_PREFIX = "#socklab ";

export interface TracefsReaderOptions {
  /** The lab's compose project, for the helper's name and label. */
  projectName: string;
  image: string;
  /** Per-CPU ring buffer of the instance. */
  bufferKb: number;
  readyTimeoutMs: number;
  /** The engine to run the helper on; the default one when absent. */
  docker?: Docker;
  /**
   * Every engine whose helpers may hold an instance in the same kernel (a lab across simulated
   * hosts shares one): their instances are live, not leftovers. The default engine is always one.
   */
  otherEngines?: readonly Docker[];
}

export interface TracefsReader {
  /** CLOCK_TAI minus CLOCK_REALTIME when the instance started, in nanoseconds. */
  readonly taiOffsetNs: bigint;
  /** The kernel's boot id: two readers with the same one read the same kernel. */
  readonly bootId: string;
  /** Turns tracing off, reads what is left, removes the instance; resolves with events the kernel lost. */
  stop(): Promise<{ lostEvents: number }>;
  remove(): Promise<void>;
}

/**
 * Starts a privileged helper that reads the TCP tracepoints through an instance of tracefs of its
 * own (trace_clock tai), calling `onLine` with every line; the instance is gone when it stops.
 */
export async function startTracefsReader(
  options: TracefsReaderOptions,
  onLine: (line: string) => void,
): Promise<TracefsReader> {
  const name = `${options.projectName}-trace-tracefs-${process.pid}-${Date.now().toString(36)}`;
  const instance = `${INSTANCE_PREFIX}${name}`;
  const helper = await startHelperContainer(
    {
      name,
      Image: options.image,
      Entrypoint: ["python3"],
      Cmd: [
        "-c",
        TRACEFS_READER_SCRIPT,
        instance,
        String(options.bufferKb),
        INSTANCE_PREFIX,
        ...(await liveInstances([
          dockerClient(),
          options.docker ?? dockerClient(),
          ...(options.otherEngines ?? []),
        ])),
      ],
      Labels: { [TRACE_HELPER_LABEL]: options.projectName, [INSTANCE_LABEL]: instance },
      User: "0:0",
      HostConfig: { Privileged: true, NetworkMode: "none" },
    },
    options.docker,
  );
  const control: string[] = [];
  const lines = createInterface({ input: helper.stdout });
  lines.on("line", (line) => (line.startsWith(CONTROL_PREFIX) ? control.push(line) : onLine(line)));
  const closed = new Promise<void>((resolve) => lines.on("close", resolve));
  try {
    const ready = await waitForControl(helper, control, "ready", options.readyTimeoutMs);
    const taiOffsetNs = BigInt(/tai-offset-s=(-?\d+)/.exec(ready)?.[1] ?? "0") * 1_000_000_000n;
    return {
      taiOffsetNs,
      bootId: /boot-id=(\S+)/.exec(ready)?.[1] ?? "",
      async stop() {
        await execInContainer(
          helper.id,
          ["touch", "/tmp/stop"],
          options.docker ? { docker: options.docker } : {},
        );
        const end = await waitForControl(helper, control, "end", options.readyTimeoutMs);
        await closed;
        return { lostEvents: Number(/overrun=(\d+)/.exec(end)?.[1] ?? "0") };
      },
      remove: () => helper.remove(),
    };
  } catch (error) {
    await helper.remove();
    throw error;
  }
}

// A control line, or the helper's own words if it ends first (no tracefs, no privilege).
async function waitForControl(
  helper: HelperContainer,
  control: readonly string[],
  word: string,
  timeoutMs: number,
): Promise<string> {
  let exitCode: number | undefined;
  void helper.exited.then((code) => (exitCode = code));
  const line = await waitFor(
    () =>
      control.find((l) => l.startsWith(`${CONTROL_PREFIX}${word}`)) ??
      (exitCode === undefined ? undefined : ""),
    {
      timeoutMs,
      pollMs: 20,
      what: `the tracefs helper to say ${word}`,
      describeLast: () => helper.stderrText(),
    },
  );
  if (line === "") {
    throw new SocklabError(
      "ERR_TRACEFS_UNREACHABLE",
      `the tracefs helper ended (exit ${exitCode}) before it was ${word}: ${lastLine(helper.stderrText())}`,
    );
  }
  return line;
}

function lastLine(text: string): string {
  return text.trim().split("\n").at(-1) ?? "no output";
}

// Instances of helpers still running (other recordings, on any engine that may share this kernel)
// are kept; any other socklab instance is a leftover.
async function liveInstances(engines: readonly Docker[]): Promise<string[]> {
  const lists = await Promise.all(
    [...new Set(engines)].map((docker) =>
      docker.listContainers({ filters: JSON.stringify({ label: [INSTANCE_LABEL] }) }),
    ),
  );
  return lists
    .flat()
    .map((helper) => helper.Labels[INSTANCE_LABEL] ?? "")
    .filter((name) => name !== "");
}
