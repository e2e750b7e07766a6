const GLOBAL_HEADER_BYTES = 24;
const RECORD_HEADER_BYTES = 16;
const NANOSECOND_MAGIC = 0xa1b23c4d;

interface PcapRecord {
  realtimeNs: bigint;
  bytes: Uint8Array;
}

/**
 * Keeps the last `maxBytes` of a pcap stream as it arrives, whole records only, so that a capture
 * can run all through a test file in bounded memory and still give the pcap of its last packets.
 */
export class PcapRing {
  readonly #maxBytes: number;
  #header: Uint8Array | undefined;
  #pending: Uint8Array = new Uint8Array(0);
  readonly #records: PcapRecord[] = [];
  #first = 0;
  #keptBytes = 0;

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  push(chunk: Uint8Array): void {
    const bytes = this.#pending.byteLength === 0 ? chunk : concat(this.#pending, chunk);
    let at = 0;
    if (!this.#header) {
      if (bytes.byteLength < GLOBAL_HEADER_BYTES) {
        this.#pending = bytes.slice();
        return;
      }
      this.#header = bytes.slice(0, GLOBAL_HEADER_BYTES);
      at = GLOBAL_HEADER_BYTES;
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const littleEndian = this.#littleEndian();
    const nanosPerFraction = this.#nanosPerFraction();
    while (at + RECORD_HEADER_BYTES <= bytes.byteLength) {
      const end = at + RECORD_HEADER_BYTES + view.getUint32(at + 8, littleEndian);
      if (end > bytes.byteLength) break;
      const seconds = BigInt(view.getUint32(at, littleEndian));
      const fraction = BigInt(view.getUint32(at + 4, littleEndian));
      this.#keep({
        realtimeNs: seconds * 1_000_000_000n + fraction * nanosPerFraction,
        bytes: bytes.slice(at, end),
      });
      at = end;
    }
    this.#pending = bytes.slice(at);
  }

  /** The kept records stamped at or after `sinceRealtimeNs`, as a whole pcap file. */
  pcap(sinceRealtimeNs = 0n): Uint8Array {
    if (!this.#header) return new Uint8Array(0);
    const records = this.#records.slice(this.#first).filter((r) => r.realtimeNs >= sinceRealtimeNs);
    return concat(this.#header, ...records.map((r) => r.bytes));
  }

  #keep(record: PcapRecord): void {
    this.#records.push(record);
    this.#keptBytes += record.bytes.byteLength;
    while (this.#keptBytes > this.#maxBytes && this.#first < this.#records.length) {
      this.#keptBytes -= this.#records[this.#first]?.bytes.byteLength ?? 0;
      this.#first += 1;
    }
    // Drop what was let go in one splice now and then, not one shift per record.
    if (this.#first > 1024 && this.#first * 2 > this.#records.length) {
      this.#records.splice(0, this.#first);
      this.#first = 0;
    }
  }

  #littleEndian(): boolean {
    const header = this.#header;
    if (!header) return true;
    const magic = new DataView(header.buffer, header.byteOffset, 4).getUint32(0, true);
    return magic === 0xa1b2c3d4 || magic === NANOSECOND_MAGIC;
  }

  #nanosPerFraction(): bigint {
    const header = this.#header;
    if (!header) return 1_000n;
    const magic = new DataView(header.buffer, header.byteOffset, 4).getUint32(0, this.#littleEndian());
    return magic === NANOSECOND_MAGIC ? 1n : 1_000n;
  }
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const joined = new Uint8Array(parts.reduce((sum, part) => sum + part.byteLength, 0));
  let at = 0;
  for (const part of parts) {
    joined.set(part, at);
    at += part.byteLength;
  }
  return joined;
}
