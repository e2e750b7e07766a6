import { SocklabError } from "../../protocol/socklab-error.ts";

// A classic pcap file: a 24-byte global header, then per packet a 16-byte record header whose
// bytes 8-11 hold the captured length. The magic number says the byte order (and µs or ns).
const GLOBAL_HEADER_BYTES = 24;
const RECORD_HEADER_BYTES = 16;
const LITTLE_ENDIAN_MAGICS = new Set([0xa1b2c3d4, 0xa1b23c4d]);

/** Packets in a pcap file's bytes; a file cut short mid-record counts the whole records only. */
export function countPcapPackets(bytes: Uint8Array): number {
  if (bytes.byteLength < GLOBAL_HEADER_BYTES) {
    throw new SocklabError(
      "ERR_PCAP_FORMAT",
      `a pcap file has a 24-byte header; got ${bytes.byteLength} bytes`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const littleEndian = LITTLE_ENDIAN_MAGICS.has(view.getUint32(0, true));
  if (!littleEndian && !LITTLE_ENDIAN_MAGICS.has(view.getUint32(0, false))) {
    throw new SocklabError(
      "ERR_PCAP_FORMAT",
      `not a pcap file: magic 0x${view.getUint32(0, false).toString(16)}`,
    );
  }
  let packets = 0;
  for (let at = GLOBAL_HEADER_BYTES; at + RECORD_HEADER_BYTES <= bytes.byteLength; packets++) {
    at += RECORD_HEADER_BYTES + view.getUint32(at + 8, littleEndian);
    if (at > bytes.byteLength) break;
  }
  return packets;
}
