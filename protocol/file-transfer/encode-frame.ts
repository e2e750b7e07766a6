import { SocklabError } from "../socklab-error.ts";
import { FILE_TRANSFER_LIMITS } from "./file-transfer-limits.ts";

const encoder = new TextEncoder();

/** One frame: a 4-byte big-endian length, then the header as UTF-8 JSON. A body, if any, is sent after it. */
export function encodeFrame(
  header: object,
  maxHeaderBytes: number = FILE_TRANSFER_LIMITS.maxHeaderBytes,
): Uint8Array {
  const json = encoder.encode(JSON.stringify(header));
  if (json.length > maxHeaderBytes) {
    throw new SocklabError(
      "HEADER_TOO_LARGE",
      `header of ${json.length} bytes is over the ${maxHeaderBytes}-byte limit`,
    );
  }
  const frame = new Uint8Array(FILE_TRANSFER_LIMITS.lengthPrefixBytes + json.length);
  new DataView(frame.buffer).setUint32(0, json.length, false);
  frame.set(json, FILE_TRANSFER_LIMITS.lengthPrefixBytes);
  return frame;
}
