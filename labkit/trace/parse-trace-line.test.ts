import { describe, expect, it } from "vitest";
import { parseTraceLine } from "./parse-trace-line.ts";
import { readRecording } from "./testing/recorded-timeline.ts";

describe("parseTraceLine on a recorded trace_pipe", () => {
  const recording = readRecording();
  const { workbench, "tcp-echo": echo } = recording.addresses;

  it("reads every line of the four tracepoints", () => {
    expect(recording.kernelRecords).toHaveLength(recording.traceLines.length);
    expect(recording.kernelRecords.map((record) => record.kind)).toContain("reset");
  });

  it("reads connect()'s SYN_SENT before the kernel has picked the local port", () => {
    expect(recording.kernelRecords[0]).toEqual({
      kind: "transition",
      taiNs: 1_796_544_533_124_979_000n,
      local: { address: workbench, port: 0 },
      remote: { address: echo, port: 7 },
      from: "CLOSE",
      to: "SYN_SENT",
    });
  });

  it("shows an IPv6 socket's v4-mapped addresses as IPv4 (the dual-stack server)", () => {
    expect(recording.kernelRecords[2]).toMatchObject({
      kind: "transition",
      local: { address: echo, port: 7 },
      remote: { address: workbench, port: 53596 },
      from: "LISTEN",
      to: "SYN_RECV",
    });
  });

  it("reads a reset sent for a closed port with its sender as the local end, and the one received", () => {
    const resets = recording.kernelRecords.filter((record) => record.kind === "reset");
    expect(resets[0]).toEqual({
      kind: "reset",
      taiNs: 1_796_544_534_209_715_000n,
      direction: "sent",
      local: { address: echo, port: 9 },
      remote: { address: workbench, port: 48290 },
    });
    expect(resets[1]).toMatchObject({ direction: "received", local: { address: workbench, port: 48290 } });
    expect(resets.at(-1)).toMatchObject({ direction: "sent", state: "CLOSE", local: { port: 53606 } });
  });

  it("leaves other events and notices alone", () => {
    expect(parseTraceLine("CPU:1 [LOST 12 EVENTS]")).toBeUndefined();
    expect(
      parseTraceLine("  bash-1 [000] ..... 5.000001: sched_switch: prev_comm=bash prev_pid=1"),
    ).toBeUndefined();
  });

  it("reads a command name holding spaces and dashes", () => {
    const line = recording.traceLines[0]?.replace("nc-19597", "my tool-x-6450") ?? "";
    expect(parseTraceLine(line)).toMatchObject({ kind: "transition", to: "SYN_SENT" });
  });
});
