import { styleText } from "node:util";
import { startPuppet } from "../../lab-tests/harness/puppet/start-puppet.ts";
import { execInContainer } from "../../lab-tests/harness/exec-in-container.ts";
import { formatSocketTable } from "../../lab-tests/harness/socket-table/format-socket-table.ts";
import { readSocketTable } from "../../lab-tests/harness/socket-table/read-socket-table.ts";
import type { SocketEntry } from "../../lab-tests/harness/socket-table/socket-entry.ts";
import {
  waitForNoSocket,
  waitForSocket,
  type LabContainer,
} from "../../lab-tests/harness/socket-table/wait-for-socket.ts";

/** What every step can use: the lab's containers by service, and a way to print. */
export interface TourContext {
  container(service: string): LabContainer;
  say(text: string): void;
}

export interface TourStep {
  title: string;
  run(context: TourContext): Promise<void>;
}

const WAIT_MS = 10_000;
const STICKY_PORT = 7400;

/** Prints the rows of each container's table that `keep` selects, as socklab netstat would. */
async function showTables(
  context: TourContext,
  services: string[],
  keep: (entry: SocketEntry) => boolean,
): Promise<void> {
  for (const service of services) {
    const { id } = context.container(service);
    const table = await readSocketTable(id, service);
    context.say(formatSocketTable(table.entries.filter(keep), { title: styleText("bold", `  ${service}`) }));
  }
}

async function inWorkbench(context: TourContext, script: string): Promise<string> {
  const { exitCode, stdout, stderr } = await execInContainer(context.container("workbench").id, [
    "sh",
    "-c",
    script,
  ]);
  if (exitCode !== 0) throw new Error(`\`${script}\` exited ${exitCode}: ${stderr}`);
  return stdout;
}

const handshakeAndClose: TourStep = {
  title: "TCP: the handshake, ESTABLISHED, and TIME_WAIT at the side that closes first",
  async run(context) {
    const workbench = context.container("workbench");
    const tcpEcho = context.container("tcp-echo");
    context.say("Before: tcp-echo LISTENs on port 7; the workbench has no socket toward it.");
    await showTables(
      context,
      ["tcp-echo"],
      (e) => e.protocol === "tcp" && e.localPort === 7 && e.state === "LISTEN",
    );
    await using client = await startPuppet("workbench", workbench.id);
    client.send({ op: "connect", host: "tcp-echo", port: 7 });
    const clientPort = (await client.next("connected"))["localPort"] as number;
    await waitForSocket(
      tcpEcho,
      { remotePort: clientPort, state: "ESTABLISHED" },
      { timeoutMs: WAIT_MS, peer: workbench },
    );
    context.say(`\nDuring: SYN, SYN-ACK, ACK done, both ends are ESTABLISHED (client port ${clientPort}).`);
    const thisConnection = (e: SocketEntry) => e.localPort === clientPort || e.remotePort === clientPort;
    await showTables(context, ["workbench", "tcp-echo"], thisConnection);
    client.send({ op: "end" });
    await client.next("close");
    await waitForSocket(
      workbench,
      { localPort: clientPort, state: "TIME_WAIT" },
      { timeoutMs: WAIT_MS, peer: tcpEcho },
    );
    await waitForNoSocket(tcpEcho, { remotePort: clientPort }, { timeoutMs: WAIT_MS, peer: workbench });
    context.say(
      "\nAfter: the workbench closed first, so it holds TIME_WAIT (60 s, no process); tcp-echo holds nothing.",
    );
    await showTables(context, ["workbench", "tcp-echo"], thisConnection);
  },
};

const stickyPackets: TourStep = {
  title: "TCP carries bytes, not messages: ten writes, one read",
  async run(context) {
    await using reader = await startPuppet("tcp-echo", context.container("tcp-echo").id);
    reader.send({ op: "listen", port: STICKY_PORT, pauseOnConnect: true });
    await reader.next("listening");
    await using writer = await startPuppet("workbench", context.container("workbench").id);
    writer.send({ op: "connect", host: "tcp-echo", port: STICKY_PORT });
    const clientPort = (await writer.next("connected"))["localPort"] as number;
    const messages = Array.from({ length: 10 }, (_, i) => `message ${i};`).join("");
    writer.send({ op: "writeFrames", hex: Buffer.from(messages).toString("hex"), writes: 10 });
    await writer.next("written");
    const socket = { localPort: STICKY_PORT, remotePort: clientPort, receiveQueueBytes: messages.length };
    await waitForSocket(context.container("tcp-echo"), socket, { timeoutMs: WAIT_MS });
    context.say(
      `The workbench made 10 write() calls; the reader has not read yet, so all ${messages.length} bytes wait in its Recv-Q:`,
    );
    await showTables(
      context,
      ["tcp-echo"],
      (e) => e.localPort === STICKY_PORT && e.remotePort === clientPort,
    );
    reader.send({ op: "resume" });
    const read = await reader.next("data");
    context.say(
      `\nThen one read() returned ${String(read["bytes"])} bytes: the boundaries are gone. A length prefix restores them.`,
    );
  },
};

const udpDatagrams: TourStep = {
  title: "UDP: datagrams keep their boundaries, and there is no connection",
  async run(context) {
    const out = await inWorkbench(
      context,
      "for size in 0 1472 1473 65507; do socklab echo --udp --size $size --json; done",
    );
    for (const line of out.trim().split("\n")) {
      const round = JSON.parse(line) as { sentBytes: number; receivedBytes: number; match: boolean };
      context.say(
        `  sent one datagram of ${round.sentBytes} bytes, got one of ${round.receivedBytes} back${round.match ? ", identical" : ", DIFFERENT"}`,
      );
    }
    context.say(
      "\nudp-echo has a single socket, UNCONN, whoever sends to it: no handshake, no per-peer state.",
    );
    await showTables(context, ["udp-echo"], (e) => e.protocol === "udp" && e.localPort === 7);
  },
};

const fileTransfer: TourStep = {
  title: "File transfer: a length-prefixed header, the bytes, and a SHA-256 check",
  async run(context) {
    const out = await inWorkbench(
      context,
      "head -c 5242880 /dev/urandom >/tmp/tour.bin && socklab put /tmp/tour.bin tour.bin 2>&1 && sha256sum /tmp/tour.bin && socklab rm tour.bin >/dev/null",
    );
    // The progress at 0, 50 and 100 %, then the result and the hash computed here for comparison.
    const shown = out
      .trim()
      .split("\n")
      .filter((line) => !/: [1-46-9]0% /.test(line));
    for (const line of shown) context.say(`  ${line}`);
    context.say("\nThe upload appeared under its name only after the server checked its size and SHA-256.");
  },
};

const chat: TourStep = {
  title: "Chat: two people in one room",
  async run(context) {
    const script = `import { ChatClient } from "/app/clients/chat/chat-client.ts";
const connect = (nick) => ChatClient.connect({ host: "chat", port: 6667, nick, room: "#tour" });
const alice = await connect("alice");
const bob = await connect("bob");
alice.send("hello, bob");
const heard = await bob.waitFor((e) => e.kind === "message" && e.from === "alice");
bob.send("hi alice!");
const answer = await alice.waitFor((e) => e.kind === "message" && e.from === "bob");
await Promise.all([alice.quit(), bob.quit()]);
console.log(JSON.stringify([heard, answer]));`;
    const { exitCode, stdout, stderr } = await execInContainer(context.container("workbench").id, [
      "node",
      "--input-type=module",
      "-e",
      script,
    ]);
    if (exitCode !== 0) throw new Error(`the chat exchange failed: ${stderr}`);
    const events = JSON.parse(stdout) as { kind: string; from?: string; nick?: string; text?: string }[];
    for (const e of events)
      context.say(
        e.kind === "join" ? `  * ${String(e.nick)} joined #tour` : `  ${String(e.from)}: ${String(e.text)}`,
      );
    context.say("\nnc users and IRC clients share the same rooms: try `nc chat 6667` in the workbench.");
  },
};

/** The tour, in order: each lesson of the tutorials, happening live. */
export const TOUR_STEPS: readonly TourStep[] = [
  handshakeAndClose,
  stickyPackets,
  udpDatagrams,
  fileTransfer,
  chat,
];

export const WHAT_NEXT = `What to try next:
  node cli/main.ts shell                      a shell in the workbench: nc, socat, ss, tcpdump, python3
  node cli/main.ts netstat --watch            watch every socket of the lab change state
  node cli/main.ts chat --nick you            chat in #lab (others can join with: nc chat 6667)
  node cli/main.ts capture tcp-echo           a pcap of a service's traffic, for Wireshark
  docs/exercises/                             six exercises, each with a check
  docs/tcp-states.md                          every TCP state, and how the lab makes it happen
  node cli/main.ts tour                       this tour again`;
