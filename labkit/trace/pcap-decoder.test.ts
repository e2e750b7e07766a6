import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { SocklabError } from "../../protocol/socklab-error.ts";
import { decodePcap, PcapDecoder } from "./pcap-decoder.ts";
import { readRecording } from "./testing/recorded-timeline.ts";

const WORKBENCH_PCAP = readFileSync(
  path.join(import.meta.dirname, "fixtures", "echo-and-resets.workbench.pcap"),
);

describe("PcapDecoder on tcpdump -i any captures (Linux cooked v2, nanoseconds)", () => {
  const recording = readRecording();
  const { workbench, "tcp-echo": echo } = recording.addresses;
  const segments = recording.segments.workbench;

  it("reads the echo's handshake, data and close as tcpdump prints them", () => {
    const echo = segments.filter((s) => s.dst.port === 53596 || s.src.port === 53596);
    expect(echo.map((s) => s.flags)).toEqual(["S", "S.", ".", "P.", ".", "P.", ".", "F.", "F.", "."]);
  });

  it("reads addresses, ports, lengths and windows of the first data segment", () => {
    const data = segments.find((s) => s.lengthBytes > 0);
    expect(data).toMatchObject({
      src: { address: workbench },
      dst: { address: echo, port: 7 },
      flags: "P.",
      lengthBytes: 3,
    });
    expect(data?.window).toBeGreaterThan(0);
  });

  it("stamps packets with nanoseconds, in capture order", () => {
    const times = segments.map((s) => s.realtimeNs);
    expect(times).toEqual([...times].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    expect(times.some((t) => t % 1_000n !== 0n)).toBe(true);
  });

  it("gives the same segments when the stream arrives a few bytes at a time", () => {
    const decoder = new PcapDecoder();
    const streamed = [];
    for (let at = 0; at < WORKBENCH_PCAP.byteLength; at += 7) {
      streamed.push(...decoder.push(WORKBENCH_PCAP.subarray(at, at + 7)));
    }
    expect(streamed).toEqual(decodePcap(WORKBENCH_PCAP));
  });

  it("refuses bytes that are not a pcap stream, with a code", () => {
    expect(() => decodePcap(new Uint8Array(24).fill(7))).toThrow(SocklabError);
  });
});
