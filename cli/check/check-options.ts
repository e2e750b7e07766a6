/** The options of `socklab check`; each exercise's check reads the ones it needs. */
export interface CheckOptions {
  /** The host of the learner's server, or of the lab's service the check talks to; each check has its default. */
  host?: string;
  port?: number;
  nick?: string;
  name?: string;
  file?: string;
  server?: string;
  client?: string;
  clients: number;
  /** How long one step may wait for the learner's program (a reply, a line, a close). */
  timeoutMs: number;
}

/** Where a check says what it waits for, while it waits (a chat check waits for the learner). */
export type CheckProgress = (text: string) => void;
