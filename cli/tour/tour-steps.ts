import { readdirSync } from "node:fs";
import path from "node:path";
import { styleText } from "node:util";
import { startPuppet } from "../../labkit/puppet/start-puppet.ts";
import { formatSocketTable } from "../../labkit/socket-table/format-socket-table.ts";
import { readSocketTable } from "../../labkit/socket-table/read-socket-table.ts";
import type { SocketEntry } from "../../labkit/socket-table/socket-entry.ts";
import {
  waitForNoSocket,
  waitForSocket,
  type LabContainer,
} from "../../labkit/socket-table/wait-for-socket.ts";
import { renderLadderText } from "../../labkit/trace/render-ladder-text.ts";
import { startTrace, type TracedLab, type TraceRecorder } from "../../labkit/trace/start-trace.ts";
import type { Timeline, TraceEvent, TransitionEvent } from "../../labkit/trace/trace-event.ts";
import { startWorkbenchScript, type ScriptEvent } from "./start-workbench-script.ts";
import { SocklabError } from "../../protocol/socklab-error.ts";
import type { TourTexts } from "./tour-texts.ts";

/** What every step can use: the lab's containers by service, and a way to print. */
export interface TourContext {
  container(service: string): LabContainer;
  /** The running lab, for a trace of a step's connection. */
  lab: TracedLab;
  say(text: string): void;
  /** What to say, in the tour's language (tour-texts.ts). */
  texts: TourTexts;
}

export interface TourStep {
  /** The step's texts in TourTexts; its title is `texts[key].title`. */
  key: "handshake" | "sticky" | "udp" | "file" | "chat";
  /** The services the step talks to: the tour starts only when all of them run. */
  services: readonly string[];
  run(context: TourContext): Promise<void>;
}

const WAIT_MS = 10_000;
const ECHO_PORT = 7;
const STICKY_PORT = 7400;
const FILE_TRANSFER_PORT = 9000;
const CHAT_PORT = 6667;

/** Prints the rows of each container's table that `keep` selects, as socklab netstat would. */
async function showTables(
  context: TourContext,
  services: readonly string[],
  keep: (entry: SocketEntry) => boolean,
): Promise<void> {
  for (const service of services) {
    const { id } = context.container(service);
    const table = await readSocketTable(id, service);
    context.say(formatSocketTable(table.entries.filter(keep), { title: styleText("bold", `  ${service}`) }));
  }
}

/** Both ends of one TCP connection, seen from either side: `localPort:serverPort` and back. */
function connectionOf(clientPort: number, serverPort: number): (entry: SocketEntry) => boolean {
  return (e) =>
    e.protocol === "tcp" &&
    ((e.localPort === clientPort && e.remotePort === serverPort) ||
      (e.localPort === serverPort && e.remotePort === clientPort));
}

/** The TCP socket toward `remotePort` that a tour script in the workbench holds. */
async function socketOfScript(
  context: TourContext,
  program: string,
  remotePort: number,
): Promise<SocketEntry> {
  const table = await readSocketTable(context.container("workbench").id, "workbench");
  const found = table.entries.find(
    (e) => e.protocol === "tcp" && e.remotePort === remotePort && e.owner?.program === program,
  );
  if (!found)
    throw new SocklabError(
      "ERR_TOUR_SCRIPT",
      `no socket of ${program} toward port ${remotePort} in the workbench`,
    );
  return found;
}

const handshakeAndClose: TourStep = {
  key: "handshake",
  services: ["workbench", "tcp-echo"],
  async run(context) {
    const workbench = context.container("workbench");
    const tcpEcho = context.container("tcp-echo");
    context.say(context.texts.handshake.before);
    await showTables(
      context,
      ["tcp-echo"],
      (e) => e.protocol === "tcp" && e.localPort === ECHO_PORT && e.state === "LISTEN",
    );
    await showTables(
      context,
      ["workbench"],
      (e) => e.protocol === "tcp" && e.remotePort === ECHO_PORT && e.state !== "TIME_WAIT",
    );
    // Recording before the connection starts, so the ladder has its first SYN.
    await using trace = await startTrace(context.lab, {
      services: ["workbench", "tcp-echo"],
      port: ECHO_PORT,
      states: "auto",
    });
    await using client = await startPuppet("workbench", workbench.id);
    client.send({ op: "connect", host: "tcp-echo", port: ECHO_PORT });
    const clientPort = (await client.next("connected")).localPort;
    await waitForSocket(
      tcpEcho,
      { remotePort: clientPort, state: "ESTABLISHED" },
      { timeoutMs: WAIT_MS, peer: workbench },
    );
    context.say(context.texts.handshake.during(clientPort));
    const thisConnection = connectionOf(clientPort, ECHO_PORT);
    await showTables(context, ["workbench", "tcp-echo"], thisConnection);
    client.send({ op: "end" });
    await client.next("close");
    await waitForSocket(
      workbench,
      { localPort: clientPort, state: "TIME_WAIT" },
      { timeoutMs: WAIT_MS, peer: tcpEcho },
    );
    await waitForNoSocket(tcpEcho, { remotePort: clientPort }, { timeoutMs: WAIT_MS, peer: workbench });
    context.say(context.texts.handshake.after);
    await showTables(context, ["workbench", "tcp-echo"], thisConnection);
    context.say(context.texts.handshake.ladder);
    context.say(renderLadderText(await ladderOf(trace, clientPort)));
  },
};

const closedAt =
  (end: string, clientPort: number, to: string) =>
  (event: TraceEvent): event is TransitionEvent =>
    event.kind === "transition" &&
    event.end === end &&
    event.to === to &&
    (end === "workbench" ? event.local.port : event.remote.port) === clientPort;

/** The recording of one echo connection from the workbench, once both ends have closed it. */
async function ladderOf(trace: TraceRecorder, clientPort: number): Promise<Timeline> {
  await trace.waitForEvent(closedAt("workbench", clientPort, "TIME_WAIT"), {
    timeoutMs: WAIT_MS,
    what: "the workbench's TIME_WAIT in the trace",
  });
  await trace.waitForEvent(closedAt("tcp-echo", clientPort, "CLOSE"), {
    timeoutMs: WAIT_MS,
    what: "tcp-echo's CLOSE in the trace",
  });
  const timeline = await trace.stop();
  // Other connections to port 7 (a learner's nc) are left out.
  const ofThis = (e: TraceEvent) => e.local.port === clientPort || e.remote.port === clientPort;
  return { ...timeline, events: timeline.events.filter(ofThis) };
}

const stickyPackets: TourStep = {
  key: "sticky",
  services: ["workbench", "tcp-echo"],
  async run(context) {
    await using reader = await startPuppet("tcp-echo", context.container("tcp-echo").id);
    reader.send({ op: "listen", port: STICKY_PORT, pauseOnConnect: true });
    await reader.next("listening");
    await using writer = await startPuppet("workbench", context.container("workbench").id);
    writer.send({ op: "connect", host: "tcp-echo", port: STICKY_PORT });
    const clientPort = (await writer.next("connected")).localPort;
    const messages = Array.from({ length: 10 }, (_, i) => `message ${i};`).join("");
    writer.send({ op: "writeFrames", hex: Buffer.from(messages).toString("hex"), writes: 10 });
    await writer.next("written");
    const socket = { localPort: STICKY_PORT, remotePort: clientPort, receiveQueueBytes: messages.length };
    await waitForSocket(context.container("tcp-echo"), socket, { timeoutMs: WAIT_MS });
    context.say(context.texts.sticky.queued(messages.length));
    await showTables(context, ["workbench", "tcp-echo"], connectionOf(clientPort, STICKY_PORT));
    reader.send({ op: "resume" });
    const read = await reader.next("data");
    context.say(context.texts.sticky.oneRead(String(read["bytes"])));
  },
};

interface UdpRound {
  sentBytes: number;
  receivedBytes: number | null;
  match: boolean;
}

const udpDatagrams: TourStep = {
  key: "udp",
  services: ["workbench", "udp-echo"],
  async run(context) {
    await using script = startWorkbenchScript(context.container("workbench").id, "udp-datagrams.ts");
    const sent = await script.next("sent");
    const localPort = sent["localPort"] as number;
    const rounds = sent["rounds"] as UdpRound[];
    for (const round of rounds) {
      const texts = context.texts.udp;
      const back =
        round.receivedBytes === null ? texts.lost : texts.gotBack(round.receivedBytes, round.match);
      context.say(texts.sentOne(round.sentBytes, back));
    }
    context.say(context.texts.udp.neverConnected(localPort, rounds.length));
    await showTables(context, ["workbench"], (e) => e.protocol === "udp" && e.localPort === localPort);
    context.say(context.texts.udp.oneSocket);
    await showTables(context, ["udp-echo"], (e) => e.protocol === "udp" && e.localPort === ECHO_PORT);
    script.send("done");
    await script.finish();
    const failed = rounds.filter((round) => !round.match);
    if (failed.length > 0)
      throw new SocklabError(
        "ERR_ECHO_MISMATCH",
        `${failed.length} of ${rounds.length} datagrams did not come back identical (sizes ${failed.map((r) => r.sentBytes).join(", ")})`,
      );
  },
};

const PROGRESS_BAR_CELLS = 20;

function describeProgress(event: ScriptEvent): string {
  const percent = event["percent"] as number;
  const filled = Math.round((percent / 100) * PROGRESS_BAR_CELLS);
  const bar = `${"#".repeat(filled)}${"-".repeat(PROGRESS_BAR_CELLS - filled)}`;
  return `  put tour.bin [${bar}] ${String(percent).padStart(3)}%  ${String(event["doneBytes"])}/${String(event["totalBytes"])} bytes`;
}

const fileTransfer: TourStep = {
  key: "file",
  services: ["workbench", "file-transfer"],
  async run(context) {
    const workbench = context.container("workbench");
    const server = context.container("file-transfer");
    await using script = startWorkbenchScript(workbench.id, "file-upload.ts");
    const shown = new Set<ScriptEvent>();
    const showProgress = () => {
      for (const e of script.events.filter((e) => e.event === "progress" && !shown.has(e))) {
        shown.add(e);
        context.say(describeProgress(e));
      }
    };
    await script.next("halfway");
    showProgress();
    const clientPort = (await socketOfScript(context, "tour-put", FILE_TRANSFER_PORT)).localPort;
    const thisConnection = connectionOf(clientPort, FILE_TRANSFER_PORT);
    context.say(context.texts.file.during(clientPort));
    await showTables(context, ["workbench", "file-transfer"], thisConnection);
    context.say("");
    script.send("go");
    const stored = await script.next("stored");
    showProgress();
    context.say(
      context.texts.file.stored(String(stored["name"]), String(stored["size"]), String(stored["sha256"])),
    );
    await script.next("closed");
    await script.finish();
    await waitForSocket(
      workbench,
      { localPort: clientPort, remotePort: FILE_TRANSFER_PORT, state: "TIME_WAIT" },
      { timeoutMs: WAIT_MS, peer: server },
    );
    await waitForNoSocket(
      server,
      { localPort: FILE_TRANSFER_PORT, remotePort: clientPort },
      { timeoutMs: WAIT_MS, peer: workbench },
    );
    context.say(context.texts.file.after);
    await showTables(context, ["workbench", "file-transfer"], thisConnection);
    context.say(context.texts.file.stays);
  },
};

interface HeardLine {
  by: string;
  from: string;
  text: string;
}

const chat: TourStep = {
  key: "chat",
  services: ["workbench", "chat"],
  async run(context) {
    await using script = startWorkbenchScript(context.container("workbench").id, "two-users-chat.ts");
    const talked = await script.next("talked");
    const ports = talked["ports"] as { alice: number; bob: number };
    for (const line of talked["heard"] as HeardLine[])
      context.say(context.texts.chat.received(line.by, String(talked["room"]), line.from, line.text));
    const users = [ports.alice, ports.bob];
    context.say(context.texts.chat.held(ports.alice, ports.bob));
    await showTables(
      context,
      ["chat"],
      (e) =>
        e.protocol === "tcp" &&
        e.localPort === CHAT_PORT &&
        (e.state === "LISTEN" || users.includes(e.remotePort)),
    );
    await showTables(
      context,
      ["workbench"],
      (e) => e.protocol === "tcp" && e.remotePort === CHAT_PORT && users.includes(e.localPort),
    );
    script.send("quit");
    await script.next("quit");
    await script.finish();
    context.say(context.texts.chat.shared);
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

// Counted, not written down: the tour names as many exercises as the language's folder holds. Read
// when the tour ends, not at import: the workbench's CLI loads this file and has no docs/.
const ROOT = path.join(import.meta.dirname, "..", "..");

export function countExercises(exercisesDir: string): number {
  return readdirSync(path.join(ROOT, exercisesDir)).filter((name) => /^\d+-.+\.md$/.test(name)).length;
}
