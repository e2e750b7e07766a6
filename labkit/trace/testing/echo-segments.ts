// Synthetic captured segments for unit tests that need many connections without a lab.

/** The two ends of the synthetic connections: the workbench dials tcp-echo. */
export const ECHO_ENDS = [
  { service: "workbench", address: "10.9.0.2" },
  { service: "tcp-echo", address: "10.9.0.3" },
] as const;

/** A segment leaving the workbench for tcp-echo's port 7: a new client port (and SYN) every 4 segments. */
export function echoSegment(index: number) {
  return {
    realtimeNs: BigInt(index) * 1_000_000n,
    src: { address: "10.9.0.2", port: 40_000 + Math.floor(index / 4) },
    dst: { address: "10.9.0.3", port: 7 },
    flags: index % 4 === 0 ? "S" : ".",
    seq: 1_000 + (index % 4),
    ack: 0,
    lengthBytes: 0,
    window: 64_240,
  };
}
