import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { decodePcap } from "./pcap-decoder.ts";
import { PcapRing } from "./pcap-ring.ts";

const WORKBENCH_PCAP = new Uint8Array(
  readFileSync(path.join(import.meta.dirname, "fixtures", "echo-and-resets.workbench.pcap")),
);
const ALL = decodePcap(WORKBENCH_PCAP);

describe("PcapRing", () => {
  it("gives back the whole capture, byte for byte, when it fits, however the stream was cut", () => {
    const ring = new PcapRing(1 << 20);
    for (let at = 0; at < WORKBENCH_PCAP.byteLength; at += 7) ring.push(WORKBENCH_PCAP.subarray(at, at + 7));
    expect(Buffer.from(ring.pcap()).equals(Buffer.from(WORKBENCH_PCAP))).toBe(true);
  });

  it("keeps only the last records within its bound, as a pcap that still decodes", () => {
    const ring = new PcapRing(600);
    ring.push(WORKBENCH_PCAP);
    const kept = decodePcap(ring.pcap());
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThan(ALL.length);
    expect(kept).toEqual(ALL.slice(ALL.length - kept.length));
    expect(ring.pcap().byteLength - 24).toBeLessThanOrEqual(600);
  });

  it("gives the records stamped at or after a time", () => {
    const ring = new PcapRing(1 << 20);
    ring.push(WORKBENCH_PCAP);
    const since = ALL[3]?.realtimeNs ?? 0n;
    expect(decodePcap(ring.pcap(since))).toEqual(ALL.filter((s) => s.realtimeNs >= since));
  });

  it("is empty before the stream's header came", () => {
    expect(new PcapRing(100).pcap().byteLength).toBe(0);
  });
});
