// A crowd of plain-line chat users in a process of its own, so that a test's server has its thread
// to itself. Usage: node crowd.ts PORT COUNT EXPECTED_LINE
// Prints `ready` once every member has joined #lab, then `delivered COUNT` once every member has
// received EXPECTED_LINE, then exits; exits 1 if either takes longer than the deadline.
import net from "node:net";
import { LineDecoder } from "../../../protocol/chat/line-decoder.ts";

const [portText = "", countText = "", expected = ""] = process.argv.slice(2);
const port = Number(portText);
const count = Number(countText);
const BATCH = 100;
const DEADLINE_MS = 50_000;

setTimeout(() => {
  process.stderr.write(`crowd: not done within ${DEADLINE_MS} ms\n`);
  process.exit(1);
}, DEADLINE_MS).unref();

function member(index: number, onJoined: () => void, onExpected: () => void): net.Socket {
  const nick = `c${index}`;
  const decoder = new LineDecoder();
  let joined = false;
  let delivered = false;
  const socket = net.connect({ port, host: "127.0.0.1", noDelay: true }, () => socket.write(`${nick}\r\n`));
  socket.on("data", (chunk: Buffer) => {
    for (const line of decoder.push(chunk)) {
      if (line.kind !== "line") continue;
      if (!joined && line.text === `* ${nick} joined #lab`) {
        joined = true;
        onJoined();
      } else if (!delivered && line.text === expected) {
        delivered = true;
        onExpected();
      }
    }
  });
  return socket;
}

let deliveredCount = 0;
const sockets: net.Socket[] = [];
for (let start = 0; start < count; start += BATCH) {
  const size = Math.min(BATCH, count - start);
  await new Promise<void>((resolve) => {
    let joinedInBatch = 0;
    for (let index = start; index < start + size; index += 1) {
      sockets.push(
        member(
          index,
          () => (++joinedInBatch === size ? resolve() : undefined),
          () => {
            if (++deliveredCount < count) return;
            process.stdout.write(`delivered ${count}\n`);
            for (const socket of sockets) socket.destroy();
          },
        ),
      );
    }
  });
}
process.stdout.write("ready\n");
