import { setTimeout as delay } from "node:timers/promises";
import type Docker from "dockerode";
import { SocklabError } from "../../protocol/socklab-error.ts";
import { waitFor } from "../wait-for.ts";
import { PcapDecoder, type CapturedSegment } from "./pcap-decoder.ts";
import { PcapRing } from "./pcap-ring.ts";
import { startHelperContainer, TRACE_HELPER_LABEL } from "./start-helper-container.ts";

export interface PacketCaptureOptions {
  projectName: string;
  image: string;
  /** The lab container whose network namespace is captured. */
  containerId: string;
  service: string;
  /** A pcap filter, e.g. `tcp and port 7`. */
  filter: string;
  readyTimeoutMs: number;
  /** The engine that holds the container (a lab across hosts); the default one when absent. */
  docker?: Docker;
}

export interface PacketCapture {
  /** Ends the capture (tcpdump flushes on SIGINT); resolves with what it did not write. */
  stop(): Promise<{ droppedPackets: number }>;
  remove(): Promise<void>;
  /** What was kept of the capture (records stamped at or after `sinceRealtimeNs`) as a pcap file. */
  pcap(sinceRealtimeNs?: bigint): Uint8Array;
  /** What tcpdump said (its start, and its counts once stopped). */
  stderrText(): string;
}

// Headers only: link (20, cooked v2) + IPv6 (40) + TCP with options (60).
const SNAPLEN_BYTES = 128;
const CAPTURE_BUFFER_KIB = 32_768;
// Before SIGINT, tcpdump is let catch up: what it has not read from its ring by then is counted lost.
const CATCH_UP_QUIET_MS = 100;
const CATCH_UP_MAX_MS = 2_000;

/**
 * Starts tcpdump in a helper sharing `containerId`'s network namespace (NET_RAW only), with
 * nanosecond timestamps on CLOCK_REALTIME, and calls `onSegment` with each TCP segment as it comes.
 */
export async function startPacketCapture(
  options: PacketCaptureOptions,
  onSegment: (segment: CapturedSegment) => void,
  /** Keep the capture as a pcap: all of it (`true`), or its last N bytes. */
  keepPcap: boolean | number = false,
): Promise<PacketCapture> {
  const helper = await startHelperContainer(
    {
      name: `${options.projectName}-trace-capture-${options.service}-${process.pid}-${Date.now().toString(36)}`,
      Image: options.image,
      Entrypoint: ["tcpdump"],
      // Immediate mode: each packet is read as it comes, not when the kernel's ring block times out
      // (a block still open at SIGINT would be lost).
      Cmd: [
        "-i",
        "any",
        "-n",
        "--immediate-mode",
        // A kernel buffer for bursts of thousands of connections (KiB; the default is 2 MiB).
        "-B",
        String(CAPTURE_BUFFER_KIB),
        "-U",
        "-w",
        "-",
        "--time-stamp-precision=nano",
        "-s",
        String(SNAPLEN_BYTES),
        options.filter,
      ],
      Labels: { [TRACE_HELPER_LABEL]: options.projectName },
      User: "0:0",
      HostConfig: {
        NetworkMode: `container:${options.containerId}`,
        // Raw sockets to capture; SETUID/SETGID for tcpdump to drop to its own user once it has them.
        CapDrop: ["ALL"],
        CapAdd: ["NET_RAW", "SETUID", "SETGID"],
        SecurityOpt: ["no-new-privileges:true"],
      },
    },
    options.docker,
  );
  const decoder = new PcapDecoder();
  const kept = keepPcap === false ? undefined : new PcapRing(keepPcap === true ? Infinity : keepPcap);
  let lastDataAtMs = performance.now();
  helper.stdout.on("data", (chunk: Buffer) => {
    lastDataAtMs = performance.now();
    kept?.push(chunk);
    for (const segment of decoder.push(chunk)) onSegment(segment);
  });
  const ended = new Promise<void>((resolve) => helper.stdout.on("end", resolve));
  let exitCode: number | undefined;
  void helper.exited.then((code) => (exitCode = code));
  try {
    // tcpdump says `listening on any` on stderr once the capture is open.
    await waitFor(
      () => (/listening on/.test(helper.stderrText()) || exitCode !== undefined ? true : undefined),
      {
        timeoutMs: options.readyTimeoutMs,
        pollMs: 20,
        what: `tcpdump in ${options.service}'s namespace to start listening`,
        describeLast: () => helper.stderrText(),
      },
    );
    if (exitCode !== undefined) {
      throw new SocklabError(
        "ERR_CAPTURE_FAILED",
        `tcpdump in ${options.service}'s namespace ended (exit ${exitCode}): ${helper.stderrText().trim()}`,
      );
    }
  } catch (error) {
    await helper.remove();
    throw error;
  }
  return {
    async stop() {
      await untilQuiet(() => lastDataAtMs);
      await helper.signal("SIGINT");
      await helper.exited;
      await ended;
      return {
        droppedPackets: droppedPackets(helper.stderrText()),
      };
    },
    remove: () => helper.remove(),
    pcap: (sinceRealtimeNs) => kept?.pcap(sinceRealtimeNs) ?? new Uint8Array(0),
    stderrText: () => helper.stderrText(),
  };
}

// tcpdump's last words: `N packets captured`, `M packets received by filter`, `K packets dropped by kernel`;
// what the filter let through but was not written is lost as well as what the kernel dropped.
function droppedPackets(stderr: string): number {
  const count = (what: string) => Number(new RegExp(`(\\d+) packets? ${what}`).exec(stderr)?.[1] ?? "0");
  return count("dropped by kernel") + Math.max(0, count("received by filter") - count("captured"));
}

// Waits until the capture has written nothing for CATCH_UP_QUIET_MS (tcpdump has read its ring, on a
// loaded machine it lags), or CATCH_UP_MAX_MS have passed on a link that never goes quiet.
async function untilQuiet(lastDataAtMs: () => number): Promise<void> {
  const deadlineMs = performance.now() + CATCH_UP_MAX_MS;
  while (performance.now() < deadlineMs) {
    const quietForMs = performance.now() - lastDataAtMs();
    if (quietForMs >= CATCH_UP_QUIET_MS) return;
    await delay(CATCH_UP_QUIET_MS - quietForMs);
  }
}
