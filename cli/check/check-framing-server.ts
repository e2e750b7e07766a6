import { hostSocklabCommand, socklabCommand } from "../output/invoked-as.ts";
import { randomBytes } from "node:crypto";
import { setTimeout as pause } from "node:timers/promises";
import { describeEndpoint, openByteStream, type ByteStream, type Endpoint } from "./byte-stream.ts";
import { CheckFailure, type CheckPass } from "./check-failure.ts";
import type { CheckOptions } from "./check-options.ts";

export const FRAMING_SERVER_PORT = 9004;
const HEADER_BYTES = 4;
const START_HINT = `start your server: \`${hostSocklabCommand("run frame_echo.py --port 9004")}\` on the host, then \`${socklabCommand("check 4 --host frame-echo")}\`; or \`python3 frame_echo.py\` in the workbench`;
const BYTE_ORDER_HINT =
  "the length prefix: struct.pack('!I', n) / struct.unpack('!I', header), 4 bytes, big-endian (network order)";
const RECV_LOOP_HINT =
  "recv_msg: recv(n) returns AT MOST n bytes; loop until you have exactly 4 header bytes, then exactly n body bytes";

const frame = (body: Buffer): Buffer => {
  const header = Buffer.alloc(HEADER_BYTES);
  header.writeUInt32BE(body.length);
  return Buffer.concat([header, body]);
};

/**
 * Exercise 4: the learner's frame-echo server answers every length-prefixed message with the same
 * message. Each step targets one mistake of the seed's framing: the machine's byte order, a
 * `recv(n)` taken for n bytes (many small segments, one large write), many messages in one write
 * (粘包), and a client that closes in the middle of a message.
 */
export async function checkFramingServer(options: CheckOptions): Promise<CheckPass> {
  const endpoint = { host: options.host ?? "127.0.0.1", port: options.port ?? FRAMING_SERVER_PORT };
  const timeoutMs = options.timeoutMs;
  const facts: string[] = [];
  // One connection for the messages, so that a server that mishandles a close fails where it closes.
  {
    using stream = await connectTo(endpoint, timeoutMs);
    facts.push(await checkByteOrder(stream, timeoutMs));
    facts.push(await checkStickyMessages(stream, timeoutMs));
    facts.push(await checkSmallSegments(stream, timeoutMs));
    facts.push(await checkOneLargeWrite(stream, timeoutMs));
  }
  facts.push(await checkNextClient(endpoint, "a client that closed between two messages", timeoutMs));
  facts.push(await checkCloseMidMessage(endpoint, timeoutMs));
  return { facts };
}

async function connectTo(endpoint: Endpoint, timeoutMs: number): Promise<ByteStream> {
  return openByteStream(endpoint, timeoutMs, START_HINT);
}

/** Reads one framed reply and compares it with `sent`; every way it can differ has its own reason. */
async function expectEcho(stream: ByteStream, sent: Buffer, what: string, timeoutMs: number): Promise<void> {
  const header = await stream.read(HEADER_BYTES, timeoutMs);
  if (header.outcome !== "ok") throw noReply(header.outcome, header.bytes.length, what, timeoutMs);
  const announced = header.bytes.readUInt32BE();
  if (announced !== sent.length) {
    const littleEndian = header.bytes.readUInt32LE() === sent.length;
    throw new CheckFailure(
      `${what}: the reply announced ${announced} bytes (header ${header.bytes.toString("hex")}), expected ${sent.length}` +
        (littleEndian ? ": that is the right length written little-endian" : ""),
      littleEndian ? BYTE_ORDER_HINT : RECV_LOOP_HINT,
    );
  }
  const body = await stream.read(announced, timeoutMs);
  if (body.outcome !== "ok")
    throw noReply(body.outcome, body.bytes.length, `${what} (body of ${announced} bytes)`, timeoutMs);
  if (!body.bytes.equals(sent))
    throw new CheckFailure(
      `${what}: the reply has the right length (${sent.length} bytes) but different bytes, from byte ${firstDifference(body.bytes, sent)}`,
      RECV_LOOP_HINT,
    );
}

function noReply(
  outcome: "closed" | "timeout",
  gotBytes: number,
  what: string,
  timeoutMs: number,
): CheckFailure {
  const how =
    outcome === "closed" ? "the server closed the connection" : `nothing more came within ${timeoutMs} ms`;
  return new CheckFailure(
    `${what}: ${how} after ${gotBytes} bytes of the reply`,
    outcome === "closed"
      ? `your server's output: an exception in recv_msg? ${RECV_LOOP_HINT}`
      : RECV_LOOP_HINT,
  );
}

function firstDifference(a: Buffer, b: Buffer): number {
  for (let i = 0; i < Math.min(a.length, b.length); i += 1) if (a[i] !== b[i]) return i;
  return Math.min(a.length, b.length);
}

// An empty message's header, 00 00 00 00, reads the same in either byte order; "hello"'s does not.
async function checkByteOrder(stream: ByteStream, timeoutMs: number): Promise<string> {
  await stream.write(frame(Buffer.alloc(0)));
  await expectEcho(stream, Buffer.alloc(0), "an empty message (header 00000000)", timeoutMs);
  const hello = Buffer.from("hello");
  await stream.write(frame(hello));
  const header = await stream.read(HEADER_BYTES, timeoutMs);
  if (header.outcome !== "ok")
    throw new CheckFailure(
      `the empty message came back, but "hello" (header 00000005) got no reply within ${timeoutMs} ms: ` +
        "read little-endian, 00 00 00 05 is 83,886,080, so your server waits for 80 MB",
      BYTE_ORDER_HINT,
    );
  stream.unread(header.bytes);
  await expectEcho(stream, hello, 'a 5-byte message "hello"', timeoutMs);
  return "byte order: big-endian length prefix read and written";
}

async function checkStickyMessages(stream: ByteStream, timeoutMs: number): Promise<string> {
  const sizes = [0, 1, 3, 4, 5, 100, 1_500, 4_000, 0, 70];
  const messages = sizes.map((size) => randomBytes(size));
  await stream.write(Buffer.concat(messages.map(frame)));
  for (const [index, message] of messages.entries())
    await expectEcho(
      stream,
      message,
      `message ${index + 1} of ${messages.length} sent in ONE write (粘包)`,
      timeoutMs,
    );
  return `many messages in one write: ${messages.length} of ${messages.length} came back whole, in order`;
}

async function checkSmallSegments(stream: ByteStream, timeoutMs: number): Promise<string> {
  const body = randomBytes(20_000);
  const bytes = frame(body);
  // The header in two pieces, then the body in 100-byte pieces, each after a short pause so that
  // it leaves as a segment of its own and the server's recv() sees it alone.
  const cuts = [2, 4, ...Array.from({ length: 200 }, (_, i) => 4 + (i + 1) * 100)];
  let start = 0;
  for (const end of cuts) {
    await stream.write(bytes.subarray(start, end));
    start = end;
    await pause(1);
  }
  await expectEcho(
    stream,
    body,
    "a 20,000-byte message sent in 202 small segments (header split 2+2)",
    timeoutMs,
  );
  return "one message in many small segments: came back whole";
}

async function checkOneLargeWrite(stream: ByteStream, timeoutMs: number): Promise<string> {
  const body = randomBytes(1_000_000);
  await stream.write(frame(body));
  await expectEcho(stream, body, "a 1,000,000-byte message sent in one write", timeoutMs);
  return "one large message in one write: came back whole";
}

// A client that announces 1,000 bytes, sends 10 and closes: the server must see the close, drop
// that connection and keep serving. One that takes b"" for data spins forever instead.
async function checkCloseMidMessage(endpoint: Endpoint, timeoutMs: number): Promise<string> {
  const announced = Buffer.alloc(HEADER_BYTES);
  announced.writeUInt32BE(1_000);
  {
    using stream = await connectTo(endpoint, timeoutMs);
    await stream.write(Buffer.concat([announced, randomBytes(10)]));
    stream.socket.end();
    if (!(await stream.waitForClose(timeoutMs)))
      throw new CheckFailure(
        `a client announced 1,000 bytes, sent 10 and closed; your server did not close its side within ${timeoutMs} ms`,
        "recv_msg: an empty recv() (b'') means the peer closed: raise ConnectionError, and the server closes that connection",
      );
  }
  await checkNextClient(endpoint, "a client that closed in the middle of a message", timeoutMs);
  return "a close in the middle of a message: connection closed, and the next client served";
}

/** The server accepts and serves a new client after `previous` left. */
async function checkNextClient(endpoint: Endpoint, previous: string, timeoutMs: number): Promise<string> {
  let next: ByteStream;
  try {
    next = await connectTo(endpoint, timeoutMs);
  } catch (error) {
    throw new CheckFailure(
      `after ${previous}, ${describeEndpoint(endpoint)} accepts no new connection`,
      "your server's loop: catch ConnectionError around one client's messages, close that socket, and accept the next",
      { cause: error },
    );
  }
  using stream = next;
  const body = Buffer.from("still there?");
  await stream.write(frame(body));
  try {
    await expectEcho(stream, body, `the next client's message, after ${previous}`, timeoutMs);
  } catch (error) {
    throw new CheckFailure(
      `after ${previous}, the next client's message got no echo within ${timeoutMs} ms`,
      "an empty recv() (b'') means the peer closed: recv_msg raises ConnectionError, the server closes that socket and accepts the next",
      { cause: error },
    );
  }
  return `${previous}: the next client was served`;
}
