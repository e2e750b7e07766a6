import { Command } from "commander";
import { connectHost, type EngineHost } from "../../labkit/hosts/engine-host.ts";
import { findCrossHostContainers } from "../../labkit/hosts/find-cross-host-containers.ts";
import { HOSTS_FILE_NAME } from "../../labkit/hosts/hosts-file.ts";
import { defaultPlacement, parsePlacement } from "../../labkit/hosts/parse-placement.ts";
import { runDockerCli } from "../../labkit/hosts/run-docker-cli.ts";
import { startCrossHostLab } from "../../labkit/hosts/start-cross-host-lab.ts";
import { stopCrossHostLab } from "../../labkit/hosts/stop-cross-host-lab.ts";
import { formatSocketTable } from "../../labkit/socket-table/format-socket-table.ts";
import { readContainerTable } from "../../labkit/socket-table/wait-for-socket.ts";
import { EXIT } from "../exit-codes.ts";
import { HOSTS_PROJECT_NAME, readHostsFileOfCommand } from "../lab/hosts-target.ts";
import { socklabCommand } from "../output/invoked-as.ts";

interface HostsOptions {
  hostsFile?: string;
  lab: string;
}

// socklab's -p/--project-name (a program option) names the lab too, as it does for one host.
function projectOf(options: HostsOptions, command: Command): string {
  return command.optsWithGlobals<{ projectName?: string }>().projectName ?? options.lab;
}

interface UpOptions extends HostsOptions {
  place?: string;
}

/** `socklab hosts up|status|netstat|down`: the lab across the Docker hosts named in socklab.hosts.json. */
export function registerHostsCommand(program: Command): void {
  const hosts = program
    .command("hosts")
    .description("the lab across several Docker hosts, joined by a swarm overlay (docs/cross-host.md)")
    .addHelpText(
      "after",
      `
The hosts are named once in socklab.hosts.json (docs/cross-host.md); scripts/simulated-hosts.sh
makes simulated ones on this machine.
Examples:
  socklab hosts up --place tcp-echo=h2,workbench=h1
  socklab hosts status
  socklab hosts netstat tcp-echo workbench
  socklab hosts down
Exit codes: 0 ok, 2 a bad hosts file or placement, 4 docker failed on a host, 5 the lab is not running.`,
    );
  const withFile = (command: Command) =>
    command
      .option(
        "--hosts-file <file>",
        `the hosts: names, DOCKER_HOST URLs or contexts, addresses (default: socklab's --hosts-file, SOCKLAB_HOSTS_FILE, or ${HOSTS_FILE_NAME})`,
      )
      .option(
        "--lab <project>",
        "the lab's compose project on every host (or socklab -p)",
        HOSTS_PROJECT_NAME,
      );

  withFile(hosts.command("up"))
    .description("form the swarm, create the lab's overlay, copy images and start each service on its host")
    .option(
      "--place <service=host,...>",
      "where each service runs (default: workbench on the first host, the rest on the second)",
    )
    .addHelpText(
      "after",
      "\nExample:\n  socklab hosts up --place tcp-echo=h2,udp-echo=h2,file-transfer=h2,chat=h2,workbench=h1",
    )
    .action(async (options: UpOptions, command: Command) => {
      const engines = await connectAll(options);
      const placement = options.place
        ? parsePlacement(
            options.place,
            engines.map((e) => e.name),
          )
        : defaultPlacement(engines.map((e) => e.name));
      const lab = await startCrossHostLab({
        hosts: engines.map((e) => e.spec),
        placement,
        projectName: projectOf(options, command),
      });
      for (const service of Object.keys(placement))
        process.stdout.write(`${service} on ${lab.hostOf(service)}\n`);
      process.stdout.write(
        `socklab across ${engines.length} hosts is up on the overlay ${lab.networkName}\n`,
      );
      await lab.leaveRunning();
    });

  withFile(hosts.command("status"))
    .description("each host's engine and swarm state, and which lab containers run there")
    .action(async (options: HostsOptions, command: Command) => {
      process.exitCode = await printStatus(await connectAll(options), projectOf(options, command));
    });

  withFile(hosts.command("netstat"))
    .description("the sockets of the lab's containers, each read on its own host")
    .argument("[service...]", "which containers (default: all)")
    .action(async (services: string[], options: HostsOptions, command: Command) => {
      const found = await findCrossHostContainers(await connectAll(options), projectOf(options, command));
      const targets = found.filter(
        (c) => c.state === "running" && (services.length === 0 || services.includes(c.name)),
      );
      if (targets.length === 0) {
        process.stderr.write(
          `socklab hosts netstat: no running lab container on the hosts (${socklabCommand("hosts up")})\n`,
        );
        process.exitCode = EXIT.labDown;
        return;
      }
      const tables = await Promise.all(targets.map(readContainerTable));
      process.stdout.write(
        `${tables.map((t) => formatSocketTable(t.entries, { title: t.name })).join("\n\n")}\n`,
      );
    });

  withFile(hosts.command("down"))
    .description("remove the lab from every host (containers, volumes, the overlay); the swarm stays")
    .action(async (options: HostsOptions, command: Command) => {
      const engines = await connectAll(options);
      const [manager] = engines;
      if (manager) await stopCrossHostLab(engines, manager, projectOf(options, command));
      process.stdout.write(`socklab across ${engines.length} hosts is down\n`);
    });
}

async function connectAll(options: HostsOptions): Promise<EngineHost[]> {
  return Promise.all((await readHostsFileOfCommand(options.hostsFile)).map(connectHost));
}

async function printStatus(engines: readonly EngineHost[], projectName: string): Promise<number> {
  let allAnswer = true;
  for (const engine of engines) {
    const info = await runDockerCli(engine, [
      "info",
      "--format",
      "{{.Name}} {{.ServerVersion}} swarm={{.Swarm.LocalNodeState}}",
    ]).catch((error: unknown) => `no answer: ${(error as Error).message}`);
    allAnswer &&= !info.startsWith("no answer");
    process.stdout.write(`${engine.name} (${engine.spec.advertiseAddress}): ${info.trim()}\n`);
  }
  if (!allAnswer) return EXIT.labDown;
  const found = await findCrossHostContainers(engines, projectName);
  for (const c of found)
    process.stdout.write(`  ${c.name.padEnd(14)} on ${c.host.name.padEnd(8)} ${c.status}\n`);
  if (found.length === 0)
    process.stdout.write(`no lab containers on the hosts (${socklabCommand("hosts up")})\n`);
  return found.length > 0 && found.every((c) => c.state === "running") ? EXIT.ok : EXIT.labDown;
}
