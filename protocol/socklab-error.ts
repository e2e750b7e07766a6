/** Every error socklab raises carries a stable `code` that scripts and tests can match on. */
export class SocklabError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "SocklabError";
    this.code = code;
  }
}
