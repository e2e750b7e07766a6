// The chat's bookkeeping under faults: which lines the server acknowledged, which connection of
// which member saw which line, and who was cut off. Pure and import-free: the fault soak's probe
// runs it in the workbench (sent as source text), and the unit tests run it here.
//
// A connection is a session with a nick of its own (a member that reconnects takes a new one, so
// that a dead session the server has not noticed yet never holds the nick up). A line is
// acknowledged once the server has answered something its sender sent after it: the server handles
// a connection's lines in order, so by then it has passed the line to everyone in the room. A line
// must reach every session that had joined before it was sent and stayed connected to the end;
// a session that was cut off knows it, and what it missed is counted, not an error.

export interface ChatSessionRecord {
  nick: string;
  member: number;
  openedAtMs: number;
  closedAtMs: number | undefined;
  closeReason: string | undefined;
}

export interface ChatJudgement {
  sessions: number;
  /** Sessions that ended before the run did: the member knew (its connection closed) and reconnected. */
  cutOffSessions: number;
  sent: number;
  acknowledged: number;
  /** Acknowledged lines times the sessions that had to get them. */
  expectedDeliveries: number;
  /** Of those, received. */
  delivered: number;
  /** Expected but never received: must be zero. */
  lost: number;
  /** Acknowledged lines a cut-off session had not received when it closed: counted, not an error. */
  missedWhileCutOff: number;
  /** Lines received out of order or twice by a session: must be zero. */
  disorder: number;
  /** The first losses and disorders, for the report. */
  firstProblems: string[];
}

interface SentLine {
  seq: number;
  sentAtMs: number;
}

interface SenderLog {
  member: number;
  lines: SentLine[];
  /** Every line up to this seq is acknowledged. */
  ackedUpTo: number;
}

/** What one session got from one sender: increasing seqs, kept as runs [first, last]. */
type Runs = Array<[number, number]>;

const MAX_PROBLEMS_KEPT = 20;

export class ChatLedger {
  readonly #sessions = new Map<string, ChatSessionRecord>();
  readonly #senders = new Map<string, SenderLog>();
  /** receiver nick -> sender nick -> runs of seqs received. */
  readonly #received = new Map<string, Map<string, Runs>>();
  #disorder = 0;
  readonly #problems: string[] = [];

  /** A member's connection has joined the room (its own join came back). */
  opened(nick: string, member: number, atMs: number): void {
    this.#sessions.set(nick, {
      nick,
      member,
      openedAtMs: atMs,
      closedAtMs: undefined,
      closeReason: undefined,
    });
    this.#senders.set(nick, { member, lines: [], ackedUpTo: 0 });
    this.#received.set(nick, new Map());
  }

  /** The connection closed (or was given up) before the end of the run. */
  closed(nick: string, atMs: number, reason: string): void {
    const session = this.#sessions.get(nick);
    if (session === undefined || session.closedAtMs !== undefined) return;
    session.closedAtMs = atMs;
    session.closeReason = reason;
  }

  isOpen(nick: string): boolean {
    const session = this.#sessions.get(nick);
    return session !== undefined && session.closedAtMs === undefined;
  }

  sent(nick: string, seq: number, atMs: number): void {
    this.#senders.get(nick)?.lines.push({ seq, sentAtMs: atMs });
  }

  /** The server answered something sent after line `seq` of `nick`: it and every line before are acknowledged. */
  acknowledged(nick: string, seq: number): void {
    const sender = this.#senders.get(nick);
    if (sender !== undefined) sender.ackedUpTo = Math.max(sender.ackedUpTo, seq);
  }

  /** A session saw line `seq` from `from`. Returns the problem when it came out of order or twice. */
  received(receiver: string, from: string, seq: number): string | undefined {
    const bySender = this.#received.get(receiver);
    if (bySender === undefined || !this.#senders.has(from)) return undefined;
    const runs = bySender.get(from) ?? [];
    bySender.set(from, runs);
    const last = runs.at(-1);
    if (last !== undefined && seq <= last[1]) {
      this.#disorder += 1;
      return this.#note(`${receiver} got line ${seq} of ${from} after line ${last[1]}`);
    }
    if (last !== undefined && seq === last[1] + 1) last[1] = seq;
    else runs.push([seq, seq]);
    return undefined;
  }

  #note(problem: string): string {
    if (this.#problems.length < MAX_PROBLEMS_KEPT) this.#problems.push(problem);
    return problem;
  }

  /** Counts every acknowledged line against every session that had to get it. */
  judge(): ChatJudgement {
    const judgement: ChatJudgement = {
      sessions: this.#sessions.size,
      cutOffSessions: [...this.#sessions.values()].filter((s) => s.closedAtMs !== undefined).length,
      sent: 0,
      acknowledged: 0,
      expectedDeliveries: 0,
      delivered: 0,
      lost: 0,
      missedWhileCutOff: 0,
      disorder: this.#disorder,
      firstProblems: [],
    };
    const losses: string[] = [];
    for (const [from, sender] of this.#senders) {
      judgement.sent += sender.lines.length;
      const acked = sender.lines.filter((line) => line.seq <= sender.ackedUpTo);
      judgement.acknowledged += acked.length;
      for (const receiver of this.#sessions.values()) {
        if (receiver.member === sender.member) continue;
        const due = acked.filter((line) => line.sentAtMs >= receiver.openedAtMs);
        const got = countIn(this.#received.get(receiver.nick)?.get(from) ?? [], due);
        if (receiver.closedAtMs !== undefined) {
          judgement.missedWhileCutOff += due.length - got;
          continue;
        }
        judgement.expectedDeliveries += due.length;
        judgement.delivered += got;
        judgement.lost += due.length - got;
        if (got < due.length && losses.length < MAX_PROBLEMS_KEPT)
          losses.push(
            `${receiver.nick} is missing ${due.length - got} of ${due.length} acknowledged lines of ${from}`,
          );
      }
    }
    judgement.firstProblems = [...this.#problems, ...losses].slice(0, MAX_PROBLEMS_KEPT);
    return judgement;
  }

  /** Every acknowledged line has reached every session that must get it (for waiting at the end). */
  settled(): boolean {
    return this.judge().lost === 0;
  }

  get sessions(): readonly ChatSessionRecord[] {
    return [...this.#sessions.values()];
  }
}

/** How many of `lines` (in increasing seq) fall in `runs` (increasing, disjoint). */
function countIn(runs: Runs, lines: readonly SentLine[]): number {
  let count = 0;
  let r = 0;
  for (const { seq } of lines) {
    while (r < runs.length && (runs[r] as [number, number])[1] < seq) r++;
    const run = runs[r];
    if (run !== undefined && run[0] <= seq) count++;
  }
  return count;
}
