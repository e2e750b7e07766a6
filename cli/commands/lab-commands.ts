import { stripVTControlCharacters } from "node:util";
import { Option, type Command } from "commander";
import { isHealthcheckLine } from "../output/is-healthcheck-line.ts";
import { positiveInt } from "../parse-int-option.ts";
import { compose, pruneSupersededImages } from "../lab/compose.ts";
import { EXIT } from "../exit-codes.ts";
import { addListeningPorts } from "../lab/add-listening-ports.ts";
import { readLabStatus, formatLabStatus } from "../lab/read-lab-status.ts";
import { listComposeServices } from "../../labkit/compose/compose-project.ts";
import { composeTarget } from "../lab/compose-target.ts";
import type { ServiceStatus } from "../lab/read-lab-status.ts";
import { requireRunningLab } from "../lab/require-running-lab.ts";
import { runCommand } from "../lab/run-command.ts";
import { defaultPlacement, parsePlacement } from "../../labkit/hosts/parse-placement.ts";
import { startCrossHostLab } from "../../labkit/hosts/start-cross-host-lab.ts";
import { stopCrossHostLab } from "../../labkit/hosts/stop-cross-host-lab.ts";
import { SocklabError } from "../../protocol/socklab-error.ts";
import { crossHostTarget, type CrossHostTarget } from "../lab/hosts-target.ts";
import { readCrossHostStatus } from "../lab/read-cross-host-status.ts";
import { socklabCommand } from "../output/invoked-as.ts";

/** `up`, `down`, `status` and `logs`: the lab's lifecycle, through docker compose. */
export function registerLabCommands(program: Command): void {
  program
    .command("up")
    .description("build the images if needed, start the lab, and wait until every service is healthy")
    .option(
      "--place <service=host,...>",
      "with hosts (--hosts-file): where each service runs (default: workbench on the first host, the rest on the second)",
    )
    .addHelpText(
      "after",
      `
With a hosts file (--hosts-file, SOCKLAB_HOSTS_FILE or socklab.hosts.json here) the lab is spread
over those Docker hosts on a swarm overlay (docs/cross-host.md); up, down, status, netstat,
capture, fault and trace then work across them.
Examples:
  socklab up
  socklab --hosts-file hosts.json up --place tcp-echo=h2,udp-echo=h2,file-transfer=h2,chat=h2,workbench=h1
Exit codes: 0 every service healthy, 2 a bad hosts file or placement, 4 docker compose failed (build,
  start, a healthcheck) on a host.`,
    )
    .action(async (options: { place?: string }) => {
      const hosts = await crossHostTarget();
      if (hosts) {
        process.exitCode = await upAcross(hosts, options.place);
        return;
      }
      if (options.place !== undefined)
        throw new SocklabError(
          "ERR_PLACEMENT",
          "--place spreads the lab over hosts: name them with --hosts-file (or socklab.hosts.json here)",
        );
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
      const hosts = await crossHostTarget();
      if (hosts) {
        // Across hosts the lab's volumes always go: each host holds a copy no other host sees.
        const [manager] = hosts.engines;
        if (manager) await stopCrossHostLab(hosts.engines, manager, hosts.projectName);
        process.stdout.write(`the lab ${hosts.projectName} is down on ${hosts.engines.length} hosts\n`);
        process.exitCode = EXIT.ok;
        return;
      }
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
      const hosts = await crossHostTarget();
      const status = hosts ? await readStatusAcross(hosts) : await addListeningPorts(await readLabStatus());
      const text =
        hosts && status.length === 0
          ? `the lab ${hosts.projectName} is not running on the hosts of ${hosts.file}: start it with \`${socklabCommand("up")}\`\n`
          : formatLabStatus(status);
      process.stdout.write(options.json ? `${JSON.stringify(status, null, 2)}\n` : text);
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
      const found = await requireRunningLab(service ? [service] : [], { anyState: true });
      const learnerServer = service ? await learnerServerContainer(found, service) : undefined;
      if (learnerServer) process.exitCode = await dockerLogs(learnerServer, options);
      else
        process.exitCode = options.follow
          ? await followLogs(service, options)
          : await printLogs(service, options);
    });
}

async function readStatusAcross(hosts: CrossHostTarget): Promise<ServiceStatus[]> {
  const { status, containerOf } = await readCrossHostStatus(hosts);
  return addListeningPorts(status, (s) => containerOf(s)?.host.docker);
}

async function upAcross(hosts: CrossHostTarget, place: string | undefined): Promise<number> {
  const names = hosts.engines.map((engine) => engine.name);
  const placement = place ? parsePlacement(place, names) : defaultPlacement(names);
  // The images are built here, on the engine this machine uses, then copied to the hosts.
  const built = await compose(["build"], { output: "inherit" });
  if (built.exitCode !== 0) return EXIT.labFailed;
  const lab = await startCrossHostLab({
    hosts: hosts.engines.map((engine) => engine.spec),
    placement,
    projectName: hosts.projectName,
  });
  for (const service of Object.keys(placement))
    process.stdout.write(`${service} on ${lab.hostOf(service)}\n`);
  process.stdout.write(
    `the lab ${lab.projectName} is up on ${names.length} hosts, on the overlay ${lab.networkName}\n`,
  );
  await lab.leaveRunning();
  return EXIT.ok;
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

// A server of `socklab run` is in the project but not in its compose files, so compose has no logs
// of it: the engine has, by container.
async function learnerServerContainer(
  found: readonly ServiceStatus[],
  service: string,
): Promise<string | undefined> {
  const declared = await listComposeServices(composeTarget());
  if (declared.includes(service)) return undefined;
  return found.find((s) => s.service === service)?.container;
}

async function dockerLogs(container: string, options: LogsOptions): Promise<number> {
  const args = [
    "logs",
    ...(options.follow ? ["--follow"] : []),
    ...(options.tail === undefined ? [] : ["--tail", String(options.tail)]),
    container,
  ];
  const code = await runCommand("docker", args);
  return code === 0 ? EXIT.ok : code === 130 || code === 143 ? EXIT.interrupted : EXIT.labFailed;
}
