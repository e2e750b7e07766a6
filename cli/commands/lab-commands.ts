import { stripVTControlCharacters } from "node:util";
import { Option, type Command } from "commander";
import { isHealthcheckLine } from "../output/is-healthcheck-line.ts";
import { positiveInt } from "../parse-int-option.ts";
import { compose, pruneSupersededImages } from "../lab/compose.ts";
import { EXIT } from "../exit-codes.ts";
import { addListeningPorts } from "../lab/add-listening-ports.ts";
import { readLabStatus, formatLabStatus } from "../lab/read-lab-status.ts";
import { requireRunningLab } from "../lab/require-running-lab.ts";

/** `up`, `down`, `status` and `logs`: the lab's lifecycle, through docker compose. */
export function registerLabCommands(program: Command): void {
  program
    .command("up")
    .description("build the images if needed, start the lab, and wait until every service is healthy")
    .addHelpText(
      "after",
      "\nExample:\n  socklab up\nExit codes: 0 every service healthy, 4 docker compose failed (build, start, a healthcheck).",
    )
    .action(async () => {
      const { exitCode } = await compose(["up", "--build", "--detach", "--wait"], { output: "inherit" });
      process.exitCode = exitCode === 0 ? EXIT.ok : EXIT.labFailed;
      if (exitCode === 0) await pruneSupersededImages();
    });

  program
    .command("down")
    .description("stop the lab and remove its containers and network")
    .option("--volumes", "also remove the lab's volumes (stored files)")
    .addHelpText(
      "after",
      "\nExamples:\n  socklab down\n  socklab down --volumes\nExit codes: 0 stopped (or was not running), 4 docker compose failed.",
    )
    .action(async (options: { volumes?: boolean }) => {
      const args = ["down", "--remove-orphans", ...(options.volumes ? ["--volumes"] : [])];
      const { exitCode } = await compose(args, { output: "inherit" });
      process.exitCode = exitCode === 0 ? EXIT.ok : EXIT.labFailed;
    });

  program
    .command("status")
    .description("the lab's services: state, health, address on labnet, and the ports they listen on")
    .option("--json", "print JSON for scripts")
    .addHelpText(
      "after",
      `
PORTS are the TCP ports a service listens on and the UDP ports it is bound to, read from its
network namespace, with any port published on the host (host:port->port/protocol).
Examples:
  socklab status
  socklab status --json
Exit codes: 0 running and no service unhealthy, 5 the lab is not running or a service is unhealthy.`,
    )
    .action(async (options: { json?: boolean }) => {
      const status = await addListeningPorts(await readLabStatus());
      process.stdout.write(options.json ? `${JSON.stringify(status, null, 2)}\n` : formatLabStatus(status));
      process.exitCode =
        status.length > 0 && status.every((s) => s.health !== "unhealthy") ? EXIT.ok : EXIT.labDown;
    });

  program
    .command("logs")
    .description("the services' log lines (one JSON object per line)")
    .argument("[service]", "one service, e.g. tcp-echo")
    .option("-f, --follow", "keep printing new lines (until Ctrl-C or a kill)")
    .addOption(new Option("-n, --tail <lines>", "only the last LINES lines").argParser(positiveInt))
    .option("--healthchecks", "also the lines of the healthchecks' connections (from loopback, every 10 s)")
    .addHelpText(
      "after",
      `
The healthchecks' connections (from the container's own loopback) are left out unless
--healthchecks. With --follow, --tail counts lines before that filter (compose's own --tail).
Examples:
  socklab logs tcp-echo
  socklab logs --tail 20 chat
  socklab logs -f
Exit codes: 0 ok, 4 docker compose failed, 5 the lab is not running (no container, or none of SERVICE),
  130 --follow stopped by Ctrl-C or a signal.`,
    )
    .action(async (service: string | undefined, options: LogsOptions) => {
      // Logs of a stopped lab are still there; a lab taken down (or never started) has none.
      await requireRunningLab(service ? [service] : [], { anyState: true });
      process.exitCode = options.follow
        ? await followLogs(service, options)
        : await printLogs(service, options);
    });
}

interface LogsOptions {
  follow?: boolean;
  tail?: number;
  healthchecks?: boolean;
}

const keepLine = (options: LogsOptions) => (line: string) =>
  options.healthchecks === true || !isHealthcheckLine(line);

// Without --follow the lines are filtered first, so that --tail counts what is shown.
async function printLogs(service: string | undefined, options: LogsOptions): Promise<number> {
  const args = ["logs", "--no-log-prefix", ...(service ? [service] : [])];
  const { exitCode, stdout } = await compose(args, { output: "capture" });
  const lines = stdout
    .split("\n")
    .map((line) => stripVTControlCharacters(line))
    .filter((line) => line !== "" && keepLine(options)(line));
  const shown = options.tail === undefined ? lines : lines.slice(-options.tail);
  process.stdout.write(shown.map((line) => `${line}\n`).join(""));
  return exitCode === 0 ? EXIT.ok : EXIT.labFailed;
}

async function followLogs(service: string | undefined, options: LogsOptions): Promise<number> {
  const args = [
    "logs",
    "--no-log-prefix",
    "--follow",
    ...(options.tail === undefined ? [] : ["--tail", String(options.tail)]),
    ...(service ? [service] : []),
  ];
  const { exitCode, stoppedBy } = await compose(args, {
    output: "plain",
    forwardSignals: true,
    keepLine: keepLine(options),
  });
  if (stoppedBy) return EXIT.interrupted;
  return exitCode === 0 ? EXIT.ok : EXIT.labFailed;
}
