import { SocklabError } from "../../protocol/socklab-error.ts";
import type { SocketAddress, TcpFlags } from "./trace-event.ts";

/** A TCP segment read from a capture, with its absolute sequence numbers and wall-clock time. */
export interface CapturedSegment {
  /** CLOCK_REALTIME in nanoseconds, as the kernel stamped the packet. */
  realtimeNs: bigint;
  src: SocketAddress;
  dst: SocketAddress;
  flags: TcpFlags;
  seq: number;
  ack: number;
  /** TCP payload bytes, from the IP header's length (the capture may be cut short). */
  lengthBytes: number;
  window: number;
}

const GLOBAL_HEADER_BYTES = 24;
const RECORD_HEADER_BYTES = 16;
// The magic says the byte order and whether the second field counts microseconds or nanoseconds.
const NANOS_PER_FRACTION_BY_MAGIC: ReadonlyMap<number, bigint> = new Map([
  [0xa1b2c3d4, 1_000n],
  [0xa1b23c4d, 1n],
]);
const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const IPPROTO_TCP = 6;

// Where the ethertype sits and where the network header starts, per link type.
const LINK_LAYERS: ReadonlyMap<number, { ethertypeAt: number; headerBytes: number }> = new Map([
  [1, { ethertypeAt: 12, headerBytes: 14 }], // Ethernet
  [113, { ethertypeAt: 14, headerBytes: 16 }], // Linux cooked (tcpdump -i any)
  [276, { ethertypeAt: 0, headerBytes: 20 }], // Linux cooked v2
]);

// tcpdump's letters, in its order, with ACK as `.` last.
const FLAG_LETTERS: readonly (readonly [number, string])[] = [
  [0x01, "F"],
  [0x02, "S"],
  [0x04, "R"],
  [0x08, "P"],
  [0x20, "U"],
  [0x40, "E"],
  [0x80, "W"],
  [0x10, "."],
];

/** Reads a pcap stream as it arrives: `push(chunk)` returns the whole TCP segments and keeps the rest. */
export class PcapDecoder {
  #pending: Uint8Array = new Uint8Array(0);
  #littleEndian = true;
  #nanosPerFraction = 0n;
  #linkType = -1;

  push(chunk: Uint8Array): CapturedSegment[] {
    this.#pending = this.#pending.byteLength === 0 ? chunk : concat(this.#pending, chunk);
    const bytes = this.#pending;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let at = 0;
    if (this.#linkType < 0) {
      if (bytes.byteLength < GLOBAL_HEADER_BYTES) return [];
      this.#readGlobalHeader(view);
      at = GLOBAL_HEADER_BYTES;
    }
    const segments: CapturedSegment[] = [];
    while (at + RECORD_HEADER_BYTES <= bytes.byteLength) {
      const capturedBytes = view.getUint32(at + 8, this.#littleEndian);
      const end = at + RECORD_HEADER_BYTES + capturedBytes;
      if (end > bytes.byteLength) break;
      const seconds = BigInt(view.getUint32(at, this.#littleEndian));
      const fraction = BigInt(view.getUint32(at + 4, this.#littleEndian));
      const realtimeNs = seconds * 1_000_000_000n + fraction * this.#nanosPerFraction;
      const segment = decodeFrame(bytes.subarray(at + RECORD_HEADER_BYTES, end), this.#linkType, realtimeNs);
      if (segment) segments.push(segment);
      at = end;
    }
    this.#pending = bytes.slice(at);
    return segments;
  }

  #readGlobalHeader(view: DataView): void {
    for (const littleEndian of [true, false]) {
      const scale = NANOS_PER_FRACTION_BY_MAGIC.get(view.getUint32(0, littleEndian));
      if (scale === undefined) continue;
      this.#littleEndian = littleEndian;
      this.#nanosPerFraction = scale;
      this.#linkType = view.getUint32(20, littleEndian);
      if (!LINK_LAYERS.has(this.#linkType)) {
        throw new SocklabError(
          "ERR_PCAP_FORMAT",
          `pcap link type ${this.#linkType} is not read (Ethernet, Linux cooked v1/v2 are)`,
        );
      }
      return;
    }
    throw new SocklabError(
      "ERR_PCAP_FORMAT",
      `not a pcap stream: magic 0x${view.getUint32(0, false).toString(16)}`,
    );
  }
}

/** Every TCP segment of a whole pcap file. */
export function decodePcap(bytes: Uint8Array): CapturedSegment[] {
  return new PcapDecoder().push(bytes);
}

function decodeFrame(frame: Uint8Array, linkType: number, realtimeNs: bigint): CapturedSegment | undefined {
  const link = LINK_LAYERS.get(linkType);
  if (!link || frame.byteLength < link.headerBytes) return undefined;
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const ethertype = view.getUint16(link.ethertypeAt);
  const ip = link.headerBytes;
  if (ethertype === ETHERTYPE_IPV4 && frame.byteLength >= ip + 20) {
    const headerBytes = (view.getUint8(ip) & 0x0f) * 4;
    if (view.getUint8(ip + 9) !== IPPROTO_TCP) return undefined;
    const payloadBytes = view.getUint16(ip + 2) - headerBytes;
    const src = ipv4(frame, ip + 12);
    const dst = ipv4(frame, ip + 16);
    return decodeTcp(view, ip + headerBytes, payloadBytes, src, dst, realtimeNs);
  }
  if (ethertype === ETHERTYPE_IPV6 && frame.byteLength >= ip + 40) {
    // Extension headers are not followed: the lab's TCP never carries them.
    if (view.getUint8(ip + 6) !== IPPROTO_TCP) return undefined;
    const payloadBytes = view.getUint16(ip + 4);
    return decodeTcp(view, ip + 40, payloadBytes, ipv6(view, ip + 8), ipv6(view, ip + 24), realtimeNs);
  }
  return undefined;
}

function decodeTcp(
  view: DataView,
  at: number,
  ipPayloadBytes: number,
  srcAddress: string,
  dstAddress: string,
  realtimeNs: bigint,
): CapturedSegment | undefined {
  if (view.byteLength < at + 20) return undefined;
  const headerBytes = (view.getUint8(at + 12) >> 4) * 4;
  const flagBits = view.getUint8(at + 13);
  return {
    realtimeNs,
    src: { address: srcAddress, port: view.getUint16(at) },
    dst: { address: dstAddress, port: view.getUint16(at + 2) },
    flags: FLAG_LETTERS.filter(([bit]) => (flagBits & bit) !== 0)
      .map(([, letter]) => letter)
      .join(""),
    seq: view.getUint32(at + 4),
    ack: view.getUint32(at + 8),
    lengthBytes: ipPayloadBytes - headerBytes,
    window: view.getUint16(at + 14),
  };
}

function ipv4(frame: Uint8Array, at: number): string {
  return Array.from(frame.subarray(at, at + 4)).join(".");
}

function ipv6(view: DataView, at: number): string {
  const groups = Array.from({ length: 8 }, (_, i) => view.getUint16(at + 2 * i));
  const v4Mapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
  if (v4Mapped) return Array.from({ length: 4 }, (_, i) => view.getUint8(at + 12 + i)).join(".");
  return compressIpv6(groups);
}

// The longest run of two or more zero groups becomes `::` (RFC 5952).
function compressIpv6(groups: readonly number[]): string {
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < groups.length;) {
    let j = i;
    while (j < groups.length && groups[j] === 0) j++;
    if (j - i > bestLength) [bestStart, bestLength] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLength).join(":")}`;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const joined = new Uint8Array(a.byteLength + b.byteLength);
  joined.set(a, 0);
  joined.set(b, a.byteLength);
  return joined;
}
