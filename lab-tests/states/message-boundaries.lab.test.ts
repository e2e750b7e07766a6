import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LengthPrefixedDecoder, encodeLengthPrefixed } from "../../protocol/framing/length-prefixed.ts";
import { startPuppet, type Puppet } from "../../labkit/puppet/start-puppet.ts";
import { waitForSocket } from "../../labkit/socket-table/wait-for-socket.ts";
import { startLab, type Lab } from "../../labkit/lab/start-lab.ts";

// The tutorials' "sticky packets": TCP carries a stream of bytes, not the sender's writes. These
// make both effects happen every time, then show a length prefix restoring each message.
const MAX_READ_BYTES = 64 * 1024; // libuv reads at most 64 KiB per read
const WAIT_MS = 8_000;

let lab: Lab;

beforeAll(async () => {
  lab = await startLab();
});

afterAll(async () => {
  await lab.down();
});

interface Capture {
  messages: Uint8Array[];
  chunks: Buffer[];
}

/**
 * Sends `messages`, each length-prefixed, in `writes` write() calls from the workbench to a reader
 * in the tcp-echo container, and returns the chunks the reader's read() calls got.
 */
async function sendAndCapture(
  port: number,
  messages: Uint8Array[],
  writes: number,
  lateReader: boolean,
): Promise<Capture> {
  const stream = Buffer.concat(messages.map(encodeLengthPrefixed));
  await using reader = await startPuppet("tcp-echo", lab.containerId("tcp-echo"));
  reader.send({ op: "listen", port, pauseOnConnect: lateReader });
  await reader.next("listening");
  await using writer = await startPuppet("workbench", lab.containerId("workbench"));
  writer.send({ op: "connect", host: "tcp-echo", port });
  const clientPort = (await writer.next("connected")).localPort;
  writer.send({ op: "writeFrames", hex: stream.toString("hex"), writes });
  await writer.next("written");
  if (lateReader) {
    // Every byte waits unread in the reader's kernel buffer (Recv-Q) before it reads once.
    const socket = { localPort: port, remotePort: clientPort, receiveQueueBytes: stream.length };
    await waitForSocket(lab.container("tcp-echo"), socket, { timeoutMs: WAIT_MS });
    reader.send({ op: "resume" });
  }
  await waitForReceived(reader, stream.length);
  reader.send({ op: "dump" });
  const chunksHex = (await reader.next("dump")).chunksHex;
  return { messages, chunks: chunksHex.map((hex) => Buffer.from(hex, "hex")) };
}

async function waitForReceived(reader: Puppet, bytes: number): Promise<void> {
  while ((await reader.next("data", WAIT_MS)).receivedBytes < bytes);
}

function decodeAll(chunks: Buffer[]): Uint8Array[] {
  const decoder = new LengthPrefixedDecoder();
  const events = chunks.flatMap((chunk) => decoder.push(chunk));
  expect(decoder.end()).toEqual({ clean: true });
  return events.map((event) => (event.kind === "frame" ? event.payload : expect.unreachable(event.message)));
}

const smallMessages = () =>
  Array.from({ length: 100 }, (_, i) => Buffer.from(`message ${String(i).padStart(3, "0")}`));
const largeMessages = () => Array.from({ length: 30 }, (_, i) => randomBytes(10_000 + i * 7));

describe("message boundaries over TCP", () => {
  it("delivers 100 small writes as one read to a receiver that reads late", async () => {
    const { messages, chunks } = await sendAndCapture(7201, smallMessages(), 100, true);
    const totalBytes = messages.reduce((sum, m) => sum + 4 + m.length, 0);
    expect(chunks.map((c) => c.length)).toEqual([totalBytes]);
  });

  it("delivers one large write as several reads", async () => {
    const { chunks } = await sendAndCapture(7202, largeMessages(), 1, false);
    const sizes = chunks.map((c) => c.length);
    expect(sizes.length).toBeGreaterThanOrEqual(5);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(MAX_READ_BYTES);
  });

  it("restores every message exactly with a length prefix, in both cases", async () => {
    for (const capture of [
      await sendAndCapture(7203, smallMessages(), 100, true),
      await sendAndCapture(7204, largeMessages(), 1, false),
    ]) {
      const decoded = decodeAll(capture.chunks);
      expect(decoded.length).toBe(capture.messages.length);
      decoded.forEach((message, i) =>
        expect(Buffer.from(message).equals(capture.messages[i] ?? Buffer.alloc(0))).toBe(true),
      );
    }
  });
});

// Runs in the workbench: a burst of datagrams of many sizes, then every reply with its size.
const UDP_BURST_SCRIPT = `
import dgram from "node:dgram";
import { createHash } from "node:crypto";
const sizes = JSON.parse(process.argv[1]);
const hash = (b) => createHash("sha256").update(b).digest("hex");
const socket = dgram.createSocket("udp4");
socket.connect(7, "udp-echo", () => {
  const sent = sizes.map((n) => Buffer.alloc(n, n % 251));
  const replies = [];
  const timer = setTimeout(() => finish(), 5000);
  const finish = () => { clearTimeout(timer); socket.close(); console.log(JSON.stringify({ sent: sent.map(hash), replies })); };
  socket.on("message", (m) => { replies.push({ bytes: m.length, sha256: hash(m) }); if (replies.length === sent.length) finish(); });
  for (const datagram of sent) socket.send(datagram);
});
`;

describe("message boundaries over UDP", () => {
  it("keeps each datagram whole: one reply per datagram, same sizes, same bytes", async () => {
    const sizes = [0, 1, 8, 100, 1472, 1473, 9000, 65_507];
    const run = await lab.exec("workbench", [
      "node",
      "--input-type=module",
      "-e",
      UDP_BURST_SCRIPT,
      JSON.stringify(sizes),
    ]);
    const { sent, replies } = JSON.parse(run.stdout) as {
      sent: string[];
      replies: { bytes: number; sha256: string }[];
    };
    expect(replies.map((r) => r.bytes).sort((a, b) => a - b)).toEqual(sizes);
    expect(replies.map((r) => r.sha256).sort()).toEqual([...sent].sort());
  });
});
