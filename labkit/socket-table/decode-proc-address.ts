export interface DecodedAddress {
  /** Dotted IPv4, or IPv6 compressed as RFC 5952 says; v4-mapped IPv6 as its plain IPv4. */
  address: string;
  v4Mapped: boolean;
}

const WORD_HEX_DIGITS = 8;
const HEX = /^[0-9A-Fa-f]+$/;

/**
 * Turns the bytes of each 32-bit word back into network order. The kernel prints every word of the
 * address with %08X as a host integer, so on little-endian hosts (x86_64, arm64: all we support;
 * s390x would print them unreversed) 127.0.0.1 reads 0100007F.
 */
function addressBytes(hex: string): number[] {
  const bytes: number[] = [];
  for (let offset = 0; offset < hex.length; offset += WORD_HEX_DIGITS) {
    const word = Number.parseInt(hex.slice(offset, offset + WORD_HEX_DIGITS), 16);
    bytes.push(word & 0xff, (word >>> 8) & 0xff, (word >>> 16) & 0xff, word >>> 24);
  }
  return bytes;
}

function formatIpv4(bytes: readonly number[]): string {
  return bytes.join(".");
}

/** The longest run of two or more zero groups, the first one on a tie (RFC 5952 §4.2). */
function longestZeroRun(groups: readonly number[]): { start: number; length: number } {
  let best = { start: -1, length: 0 };
  let runStart = 0;
  for (let index = 0; index <= groups.length; index++) {
    if (index < groups.length && groups[index] === 0) continue;
    if (index - runStart > best.length) best = { start: runStart, length: index - runStart };
    runStart = index + 1;
  }
  return best.length >= 2 ? best : { start: -1, length: 0 };
}

function formatIpv6(bytes: readonly number[]): string {
  const groups = Array.from(
    { length: 8 },
    (_, index) => ((bytes[2 * index] ?? 0) << 8) | (bytes[2 * index + 1] ?? 0),
  );
  const hexGroups = groups.map((group) => group.toString(16));
  const run = longestZeroRun(groups);
  if (run.start < 0) return hexGroups.join(":");
  const head = hexGroups.slice(0, run.start).join(":");
  const tail = hexGroups.slice(run.start + run.length).join(":");
  return `${head}::${tail}`;
}

function isV4Mapped(bytes: readonly number[]): boolean {
  return bytes.slice(0, 10).every((byte) => byte === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
}

/**
 * Decodes the address half of a /proc/net/{tcp,udp}[6] endpoint: 8 hex digits for IPv4, 32 for
 * IPv6. Returns undefined for anything else so that the caller can report the whole line.
 */
export function decodeProcAddress(hex: string): DecodedAddress | undefined {
  if (!HEX.test(hex) || (hex.length !== 8 && hex.length !== 32)) return undefined;
  const bytes = addressBytes(hex);
  if (bytes.length === 4) return { address: formatIpv4(bytes), v4Mapped: false };
  if (isV4Mapped(bytes)) return { address: formatIpv4(bytes.slice(12)), v4Mapped: true };
  return { address: formatIpv6(bytes), v4Mapped: false };
}
