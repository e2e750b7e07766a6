// Runs in the workbench (sent as source text, so it imports only node: modules): registers many IRC
// users in one channel (or spread over several, member i in channel i mod rooms), then runs each load
// phase in turn: some of them send numbered messages at a steady pace to their own channel, and every
// other member of that channel times each delivery against its send on the same clock.
// Prints the latency percentiles and the delivery rate of each phase as one JSON line.
import net from "node:net";

interface Phase {
  senders: number;
  messagesPerSender: number;
  intervalMs: number;
}

interface Options {
  host: string;
  port: number;
  members: number;
  /** Channels the members are spread over (1 by default): member i joins channel i mod rooms. */
  rooms?: number;
  batchSize: number;
  phases: Phase[];
  /** How long the last deliveries of a phase may take after its last send. */
  settleMs: number;
  deadlineMs: number;
}

export interface PhaseResult extends Phase {
  deliveries: number;
  expectedDeliveries: number;
  deliveriesPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface DeliveryResult {
  members: number;
  joiningMs: number;
  phases: PhaseResult[];
}

const options = JSON.parse(process.argv[1] ?? "{}") as Options;
const rooms = options.rooms ?? 1;
const channelOf = (index: number) => (rooms === 1 ? "#bench" : `#bench${index % rooms}`);
// Members of the channel of member `index`: those whose index has the same remainder.
const roomSize = (index: number) => Math.floor((options.members - 1 - (index % rooms)) / rooms) + 1;
const sentAtMs = new Map<string, number>();
const current = { latenciesMs: [] as number[], lastDeliveryMs: 0 };

interface Member {
  nick: string;
  channel: string;
  socket: net.Socket;
}

// Answers PINGs so that no server drops a member; joins the channel once registered.
function member(index: number, onJoined: () => void): Member {
  const nick = `b${index}`;
  const channel = channelOf(index);
  const socket = net.connect({ host: options.host, port: options.port, noDelay: true }, () =>
    socket.write(`NICK ${nick}\r\nUSER ${nick} 0 * :bench\r\n`),
  );
  let pending = "";
  let joined = false;
  socket.setEncoding("utf8");
  socket.on("error", () => undefined);
  socket.on("data", (text: string) => {
    const lines = (pending + text).split("\r\n");
    pending = lines.pop() ?? "";
    for (const line of lines) {
      const [prefix = "", command = "", , text = ""] = line.split(" ");
      if (prefix === "PING") socket.write(`PONG ${command}\r\n`);
      else if (command === "001") socket.write(`JOIN ${channel}\r\n`);
      else if (command === "JOIN" && !joined && prefix.startsWith(`:${nick}!`)) {
        joined = true;
        onJoined();
      } else if (command === "PRIVMSG") record(text);
    }
  });
  return { nick, channel, socket };
}

// The text is `:<sender>.<sequence>`; the latency is taken on arrival, against the send time.
function record(text: string): void {
  const sent = sentAtMs.get(text.slice(1));
  if (sent === undefined) return;
  current.lastDeliveryMs = performance.now();
  current.latenciesMs.push(current.lastDeliveryMs - sent);
}

async function join(): Promise<Member[]> {
  const members: Member[] = [];
  for (let start = 0; start < options.members; start += options.batchSize) {
    const size = Math.min(options.batchSize, options.members - start);
    await new Promise<void>((resolve) => {
      let joined = 0;
      for (let index = start; index < start + size; index += 1) {
        members.push(member(index, () => (++joined === size ? resolve() : undefined)));
      }
    });
  }
  return members;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const percentile = (sorted: number[], fraction: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? 0;

// One sender's messages at its pace; senders start staggered over one interval.
async function send(sender: Member, index: number, phase: Phase, phaseIndex: number): Promise<void> {
  await sleep((phase.intervalMs * index) / phase.senders);
  for (let sequence = 0; sequence < phase.messagesPerSender; sequence += 1) {
    const key = `${phaseIndex}-${sender.nick}.${sequence}`;
    sentAtMs.set(key, performance.now());
    sender.socket.write(`PRIVMSG ${sender.channel} :${key}\r\n`);
    await sleep(phase.intervalMs);
  }
}

async function runPhase(members: Member[], phase: Phase, phaseIndex: number): Promise<PhaseResult> {
  current.latenciesMs = [];
  const startMs = performance.now();
  const senders = members.slice(0, phase.senders);
  await Promise.all(senders.map((sender, index) => send(sender, index, phase, phaseIndex)));
  const expectedDeliveries = senders.reduce(
    (sum, _sender, index) => sum + phase.messagesPerSender * (roomSize(index) - 1),
    0,
  );
  const settleUntilMs = performance.now() + options.settleMs;
  while (current.latenciesMs.length < expectedDeliveries && performance.now() < settleUntilMs)
    await sleep(50);
  const sorted = current.latenciesMs.toSorted((a, b) => a - b);
  return {
    ...phase,
    deliveries: sorted.length,
    expectedDeliveries,
    deliveriesPerSecond: (sorted.length * 1000) / Math.max(1, current.lastDeliveryMs - startMs),
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    maxMs: sorted.at(-1) ?? 0,
  };
}

setTimeout(() => {
  process.stderr.write(`irc-delivery-probe: not done within ${options.deadlineMs} ms\n`);
  process.exit(1);
}, options.deadlineMs).unref();
const joinStartMs = performance.now();
const members = await join();
const joiningMs = performance.now() - joinStartMs;
const phases: PhaseResult[] = [];
for (const [index, phase] of options.phases.entries()) phases.push(await runPhase(members, phase, index));
for (const { socket } of members) socket.destroy();
const result: DeliveryResult = { members: members.length, joiningMs, phases };
process.stdout.write(`${JSON.stringify(result)}\n`);
