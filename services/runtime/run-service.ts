import type { JsonLog } from "./json-log.ts";

/** What every service's start function returns: where it listens and how to stop it. */
export interface RunningService {
  /** e.g. `[::]:7`, for the `listening` log line. */
  readonly listeningOn: string;
  /** Stops accepting, lets open exchanges finish for at most `graceMs`, then closes the rest. */
  close(graceMs: number): Promise<void>;
}

const SHUTDOWN_GRACE_MS = 1_000;
const EXIT_SIGNALS = ["SIGTERM", "SIGINT"] as const;

/**
 * The whole life of a service process: start, log the pair of lines, stop cleanly on SIGTERM or
 * SIGINT (`docker compose down` must not wait for its 10 s kill), and exit non-zero on failure.
 */
export async function runService(
  name: string,
  log: JsonLog,
  start: () => Promise<RunningService>,
): Promise<void> {
  // Sets /proc/PID/comm too: netstat -p and socklab netstat then name the service, not "node".
  process.title = name;
  log("starting", { message: `starting ${name}` });
  let service: RunningService;
  try {
    service = await start();
  } catch (error) {
    log("failed", { message: `${name} failed to start: ${describe(error)}` });
    process.exitCode = 1;
    return;
  }
  // Handlers first, then the log line: a SIGTERM sent as soon as `listening` appears is handled.
  for (const signal of EXIT_SIGNALS) {
    process.once(signal, () => {
      log("stopping", { message: `${name} stopping on ${signal}` });
      service.close(SHUTDOWN_GRACE_MS).then(
        () => log("stopped", { message: `${name} stopped` }),
        (error: unknown) => {
          log("failed", { message: `${name} failed to stop cleanly: ${describe(error)}` });
          process.exitCode = 1;
        },
      );
    });
  }
  log("listening", { message: `${name} listening on ${service.listeningOn}` });
}

function describe(error: unknown): string {
  if (error instanceof Error)
    return "code" in error ? `${String(error.code)}: ${error.message}` : error.message;
  return String(error);
}
