import { describe, expect, it } from "vitest";
import { countPcapPackets } from "./count-pcap-packets.ts";

function pcap(packetLengths: number[]): Uint8Array {
  const parts: Buffer[] = [];
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(262144, 16);
  header.writeUInt32LE(1, 20);
  parts.push(header);
  for (const length of packetLengths) {
    const record = Buffer.alloc(16);
    record.writeUInt32LE(length, 8);
    record.writeUInt32LE(length, 12);
    parts.push(record, Buffer.alloc(length));
  }
  return Buffer.concat(parts);
}

describe("countPcapPackets", () => {
  it("counts the records of a capture", () => {
    expect(countPcapPackets(pcap([60, 1514, 74]))).toBe(3);
    expect(countPcapPackets(pcap([]))).toBe(0);
  });

  it("counts only whole records when the file was cut short", () => {
    const bytes = pcap([60, 1514]);
    expect(countPcapPackets(bytes.subarray(0, bytes.length - 10))).toBe(1);
  });

  it("refuses what is not a pcap file, with a stable code", () => {
    expect(() => countPcapPackets(new Uint8Array(10))).toThrow(
      expect.objectContaining({ code: "ERR_PCAP_FORMAT" }),
    );
    expect(() => countPcapPackets(new Uint8Array(24))).toThrow(
      expect.objectContaining({ code: "ERR_PCAP_FORMAT" }),
    );
  });
});
