import { SocklabError } from "../../protocol/socklab-error.ts";

/**
 * The learner's work did not pass: `message` says what was seen and expected, `lookAt` where to
 * look in their code. The check command prints both and exits 1 (ERR_CHECK_FAILED).
 */
export class CheckFailure extends SocklabError {
  readonly lookAt: string;

  constructor(message: string, lookAt: string, options?: ErrorOptions) {
    super("ERR_CHECK_FAILED", message, options);
    this.name = "CheckFailure";
    this.lookAt = lookAt;
  }
}

/** What a check prints when the work passes: one line per fact it verified. */
export interface CheckPass {
  readonly facts: readonly string[];
}
