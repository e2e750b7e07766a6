/** The CLI's exit codes; scripts may rely on them (README, "The socklab command"). */
export const EXIT = {
  ok: 0,
  /** The exchange ran, but what came back is not what was sent. */
  mismatch: 1,
  /** Bad arguments. */
  usage: 2,
  /** A network error: refused, reset, timed out. */
  network: 3,
  /** docker compose failed (build, start, stop). */
  labFailed: 4,
  /** The lab is not running, or a service is unhealthy. */
  labDown: 5,
  /** The service refused the request with an error code of its protocol (printed). */
  refused: 6,
  /** The kernel lacks what a fault kind needs (netem, ...); the message names it. */
  faultUnsupported: 7,
  /** Stopped by Ctrl-C; a transfer can be resumed. */
  interrupted: 130,
} as const;
