// The file store's bookkeeping under faults: what each name may hold, given which puts and deletes
// the server acknowledged and which ones failed without saying whether they happened. Pure and
// import-free: the fault soak's probe runs it in the workbench (sent as source text), and the unit
// tests run it here.
//
// A name's content is `size:sha256`, or ABSENT. An acknowledged put or delete settles the name; one
// that failed leaves both outcomes possible (the server may have stored it just before the
// connection died). A read must give one of the possible contents; a listing must show, for every
// name, a whole content that some put sent: never a size or hash of a part.

export const ABSENT = "absent";

export function contentKey(size: number, sha256: string): string {
  return `${size}:${sha256}`;
}

export interface FileJudgement {
  names: number;
  putsAcknowledged: number;
  putsUncertain: number;
  deletesAcknowledged: number;
  reads: number;
  listings: number;
  /** A read that gave something no acknowledged (or uncertain) operation left there: must be zero. */
  lost: number;
  /** A listed size and hash that no put sent whole: must be zero. */
  partlyVisible: number;
  firstProblems: string[];
}

interface NameState {
  /** What the name may hold now. */
  possible: Set<string>;
  /** Every whole content ever sent for it. */
  attempted: Set<string>;
}

const MAX_PROBLEMS_KEPT = 20;

export class FileLedger {
  readonly #names = new Map<string, NameState>();
  readonly #counts = { putsAcknowledged: 0, putsUncertain: 0, deletesAcknowledged: 0, reads: 0, listings: 0 };
  #lost = 0;
  #partlyVisible = 0;
  readonly #problems: string[] = [];

  #state(name: string): NameState {
    let state = this.#names.get(name);
    if (state === undefined) {
      state = { possible: new Set([ABSENT]), attempted: new Set() };
      this.#names.set(name, state);
    }
    return state;
  }

  /** A put of `content` is about to be sent: from now on the name may show it. */
  putStarted(name: string, content: string): void {
    this.#state(name).attempted.add(content);
  }

  putAcknowledged(name: string, content: string): void {
    this.#state(name).possible = new Set([content]);
    this.#counts.putsAcknowledged += 1;
  }

  /** Given up on without an answer: the name holds the new content or what it held before. */
  putUncertain(name: string, content: string): void {
    this.#state(name).possible.add(content);
    this.#counts.putsUncertain += 1;
  }

  deleteAcknowledged(name: string): void {
    this.#state(name).possible = new Set([ABSENT]);
    this.#counts.deletesAcknowledged += 1;
  }

  deleteUncertain(name: string): void {
    this.#state(name).possible.add(ABSENT);
  }

  /** What the name may hold now (for a final check of the whole store). */
  possible(name: string): ReadonlySet<string> {
    return this.#state(name).possible;
  }

  get names(): readonly string[] {
    return [...this.#names.keys()];
  }

  /** A read of `name` gave `content` (or ABSENT: the server said it has no such file). */
  read(name: string, content: string): string | undefined {
    this.#counts.reads += 1;
    const state = this.#state(name);
    if (state.possible.has(content)) return undefined;
    this.#lost += 1;
    return this.#note(`read ${name}: got ${content}, expected one of ${[...state.possible].join(", ")}`);
  }

  /** One listing: every name of ours in it must show a whole content some put sent. */
  listed(files: ReadonlyArray<{ name: string; size: number; sha256?: string | undefined }>): string[] {
    this.#counts.listings += 1;
    const problems: string[] = [];
    for (const file of files) {
      const state = this.#names.get(file.name);
      if (state === undefined) continue;
      const whole =
        file.sha256 === undefined
          ? [...state.attempted].some((content) => content.startsWith(`${file.size}:`))
          : state.attempted.has(contentKey(file.size, file.sha256));
      if (whole) continue;
      this.#partlyVisible += 1;
      problems.push(
        this.#note(
          `listed ${file.name} with ${file.size} bytes, sha256 ${file.sha256 ?? "none"}: no put sent that`,
        ),
      );
    }
    return problems;
  }

  #note(problem: string): string {
    if (this.#problems.length < MAX_PROBLEMS_KEPT) this.#problems.push(problem);
    return problem;
  }

  judge(): FileJudgement {
    return {
      names: this.#names.size,
      ...this.#counts,
      lost: this.#lost,
      partlyVisible: this.#partlyVisible,
      firstProblems: [...this.#problems],
    };
  }
}
