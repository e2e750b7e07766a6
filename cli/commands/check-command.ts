import { styleText } from "node:util";
import { Command, InvalidArgumentError, Option } from "commander";
import { CheckFailure } from "../check/check-failure.ts";
import type { CheckOptions } from "../check/check-options.ts";
import { EXERCISE_CHECKS, type ExerciseCheck } from "../check/exercise-checks.ts";
import { EXIT } from "../exit-codes.ts";
import { insideWorkbench, runInWorkbench } from "../lab/run-in-workbench.ts";
import { positiveInt } from "../parse-int-option.ts";
import { SocklabError } from "../../protocol/socklab-error.ts";

// The command's flags are the checks' options, with the timeout in seconds as typed.
type CheckFlags = Omit<CheckOptions, "timeoutMs"> & { timeout?: number };

// Bounded: the check holds every client's socket open at once, against a learner's server.
const MAX_CLIENTS = 500;

function clientCount(text: string): number {
  const count = positiveInt(text);
  if (count > MAX_CLIENTS) throw new InvalidArgumentError(`at most ${MAX_CLIENTS} clients, got ${text}`);
  return count;
}

const listChecks = (): string =>
  Object.entries(EXERCISE_CHECKS)
    .map(([n, check]) => `  ${n}  ${check.what}`)
    .join("\n");

/** `socklab check N`: grades the learner's own work for exercise N against the running lab. */
export function registerCheckCommand(program: Command): void {
  program
    .command("check")
    .description("grade your own work for exercise N against the running lab: PASS, or FAIL with the reason")
    .argument("<exercise>", "the exercise's number")
    .option(
      "--host <host>",
      "where your server runs (4, 8: default 127.0.0.1, the workbench itself), or the service watched (10 to 12: tcp-echo)",
    )
    .addOption(
      new Option("--port <port>", "its port (4: 9004, 8: 9008, 10, 11: 7, 12: 7103)").argParser(positiveInt),
    )
    .option("--nick <nick>", "6: the nick your chat client uses")
    .option("--name <name>", "7: the name you uploaded (default blob.bin)")
    .option("--file <path>", "7: your local copy, to compare (default: NAME, if it is here)")
    .option("--server <path>", "9: the server's strace log (default server.trace)")
    .option("--client <path>", "9: the client's strace log (default client.trace)")
    .addOption(
      new Option("--clients <n>", `8: clients at once (at most ${MAX_CLIENTS})`)
        .default(100)
        .argParser(clientCount),
    )
    .addOption(
      new Option("--timeout <ms>", "how long one step waits for your program").argParser(positiveInt),
    )
    .addHelpText(
      "after",
      `
Runs inside the workbench (through docker exec when started on the host).
Checks:
${listChecks()}
Examples:
  socklab check 4
  socklab check 6 --nick alice
  socklab check 8 --host my-select-server --port 9008
  socklab check 10   (then blackhole tcp-echo and type a line: it watches the RTO double)
Exit codes: 0 PASS, 1 FAIL, 2 no check for that exercise or bad arguments, 5 lab not running.`,
    )
    .action(async (exercise: string, flags: CheckFlags) => {
      const check = findCheck(exercise);
      if (!insideWorkbench()) {
        process.exitCode = await runInWorkbench(process.argv.slice(2));
        return;
      }
      process.exitCode = await runCheck(exercise, check, flags);
    });
}

function findCheck(exercise: string): ExerciseCheck {
  const check = /^\d+$/.test(exercise) ? EXERCISE_CHECKS[Number(exercise)] : undefined;
  if (!check)
    throw new SocklabError(
      "ERR_UNKNOWN_EXERCISE",
      `no check for exercise ${JSON.stringify(exercise)}; the exercises with a check:\n${listChecks()}`,
    );
  return check;
}

async function runCheck(exercise: string, check: ExerciseCheck, flags: CheckFlags): Promise<number> {
  const { timeout, ...rest } = flags;
  const options: CheckOptions = { ...rest, timeoutMs: timeout ?? check.defaultTimeoutMs };
  const say = (text: string): void => void process.stdout.write(`${text}\n`);
  say(`checking exercise ${exercise}: ${check.what}`);
  try {
    const passed = await check.run(options, (text) => say(`  ... ${text}`));
    for (const fact of passed.facts) say(`  ok  ${fact}`);
    say(styleText("green", `PASS exercise ${exercise}`));
    return EXIT.ok;
  } catch (error) {
    if (!(error instanceof CheckFailure)) throw error;
    say(styleText("red", `FAIL exercise ${exercise}: ${error.message}`));
    say(`  look at: ${error.lookAt}`);
    return EXIT.mismatch;
  }
}
