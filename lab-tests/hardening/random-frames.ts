// Runs in the workbench (sent as source text, so it imports only node: modules): 10,000 random
// frames (file-transfer), lines (chat) or chunks (tcp-echo) over 25 connections, and what the
// server answered, checked: tcp-echo returns every byte; file-transfer answers in well-formed frames
// with known codes; chat answers in lines of at most 512 bytes. Prints one JSON line.
import { randomBytes, randomInt } from "node:crypto";
import net from "node:net";

export type RandomKind = "chunk" | "frame" | "line";

export interface RandomFramesOptions {
  host: string;
  port: number;
  kind: RandomKind;
  connections: number;
  framesPerConnection: number;
}

export interface RandomFramesReport {
  sent: number;
  /** Replies: echoed bytes (chunk), reply frames (frame) or lines (line), over all connections. */
  replies: number;
  /** Connections whose echo differs from what they sent (chunk only). */
  echoMismatches: number;
  /** Replies that break the protocol: a frame that is not JSON, a line over 512 bytes. */
  malformed: string[];
  /** Error codes the server answered with (frame), or its closing reasons (line). */
  codes: string[];
}

const options = JSON.parse(process.argv[1] ?? "{}") as RandomFramesOptions;
const MAX_LINE_BYTES = 512;
const OPS = ["put", "get", "list", "stat", "delete", "x"];

// Mostly well-framed nonsense, so that the parser sees most of it; now and then a huge length,
// which the server must refuse (and close, as the protocol says).
function frame(): Buffer {
  const body =
    randomInt(0, 4) === 0
      ? randomBytes(randomInt(0, 300))
      : Buffer.from(
          JSON.stringify({
            op: OPS[randomInt(0, OPS.length)],
            id: randomInt(0, 9),
            name: randomBytes(4).toString("hex"),
            size: randomInt(-5, 100),
          }),
        );
  const length = Buffer.alloc(4);
  length.writeUInt32BE(randomInt(0, 100) === 0 ? randomInt(0, 2 ** 31) : body.length);
  return Buffer.concat([length, body]);
}

const GENERATORS: Record<RandomKind, () => Buffer> = {
  chunk: () => randomBytes(randomInt(1, 4096)),
  frame,
  line: () => Buffer.concat([randomBytes(randomInt(0, 700)), Buffer.from("\n")]),
};

const report: RandomFramesReport = { sent: 0, replies: 0, echoMismatches: 0, malformed: [], codes: [] };
const codes = new Set<string>();

function malformed(what: string): void {
  if (report.malformed.length < 10) report.malformed.push(what);
}

// Reply frames: a 4-byte length, then a JSON header; a body may follow a header with a size.
function readFrames(received: Buffer): void {
  let offset = 0;
  while (offset + 4 <= received.length) {
    const length = received.readUInt32BE(offset);
    if (offset + 4 + length > received.length) break;
    const text = received.subarray(offset + 4, offset + 4 + length).toString("utf8");
    offset += 4 + length;
    try {
      const reply = JSON.parse(text) as { ok?: boolean; code?: string; size?: number };
      report.replies += 1;
      if (reply.ok === false && reply.code) codes.add(reply.code);
      if (reply.ok === true && typeof reply.size === "number" && reply.size > 0) offset += reply.size;
    } catch {
      malformed(`not JSON: ${text.slice(0, 60)}`);
      return;
    }
  }
}

function readLines(received: Buffer): void {
  for (const line of received.toString("latin1").split("\n")) {
    if (line === "") continue;
    report.replies += 1;
    if (line.length + 1 > MAX_LINE_BYTES) malformed(`a line of ${line.length + 1} bytes`);
    const closing = /Closing link: ([^)\r]*)/i.exec(line);
    if (closing?.[1]) codes.add(closing[1].trim());
  }
}

function oneConnection(): Promise<void> {
  return new Promise((resolve) => {
    const frames = Array.from({ length: options.framesPerConnection }, GENERATORS[options.kind]);
    const sentBytes = Buffer.concat(frames);
    report.sent += frames.length;
    const chunks: Buffer[] = [];
    // allowHalfOpen: keep reading the answers after our FIN, until the server closes.
    const socket = net.connect({ host: options.host, port: options.port, allowHalfOpen: true });
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", () => undefined);
    socket.on("connect", () => socket.end(sentBytes));
    // Bounded: a connection the server keeps open after our FIN is ended here.
    const timer = setTimeout(() => socket.destroy(), 15_000);
    socket.on("close", () => {
      clearTimeout(timer);
      const received = Buffer.concat(chunks);
      if (options.kind === "chunk") {
        report.replies += received.length;
        if (!received.equals(sentBytes)) report.echoMismatches += 1;
      } else if (options.kind === "frame") {
        readFrames(received);
      } else {
        readLines(received);
      }
      resolve();
    });
  });
}

await Promise.all(Array.from({ length: options.connections }, oneConnection));
report.codes = [...codes].sort();
process.stdout.write(`${JSON.stringify(report)}\n`);
