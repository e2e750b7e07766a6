import { utf8ByteLength } from "../../protocol/chat/utf8-byte-length.ts";

/**
 * Joins words with spaces into as few lines as fit `maxBytes` of UTF-8 each, in order, so that a
 * NAMES reply or a /who listing of a 1,000-member room stays within IRC's line limit.
 */
export function packWords(words: Iterable<string>, maxBytes: number): string[] {
  const lines: string[] = [];
  let line = "";
  let lineBytes = 0;
  for (const word of words) {
    const wordBytes = utf8ByteLength(word);
    if (line !== "" && lineBytes + 1 + wordBytes > maxBytes) {
      lines.push(line);
      line = "";
      lineBytes = 0;
    }
    lineBytes += (line === "" ? 0 : 1) + wordBytes;
    line = line === "" ? word : `${line} ${word}`;
  }
  if (line !== "") lines.push(line);
  return lines;
}
