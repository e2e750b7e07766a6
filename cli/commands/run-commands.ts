import { execFile } from "node:child_process";
import { setTimeout as delay } from "node:timers/promises";
import { promisify } from "node:util";
import { Command, InvalidArgumentError, Option } from "commander";
import { readSocketTable } from "../../labkit/socket-table/read-socket-table.ts";
import { SocklabError } from "../../protocol/socklab-error.ts";
import { EXIT } from "../exit-codes.ts";
import {
  LEARNER_SERVER_LABEL,
  learnerServerContainerName,
  learnerServerRunArgs,
  type LearnerServerPort,
} from "../lab/learner-server-run-args.ts";
import type { ServiceStatus } from "../lab/read-lab-status.ts";
import { requireRunningLab } from "../lab/require-running-lab.ts";
import {
  MAX_FOLDER_FILES,
  MAX_NEIGHBOUR_SOURCES,
  resolveLearnerServer,
} from "../lab/resolve-learner-server.ts";
import { insideWorkbench } from "../lab/run-in-workbench.ts";
import { socklabCommand } from "../output/invoked-as.ts";

const execFileAsync = promisify(execFile);

interface RunOptions {
  name?: string;
  port: LearnerServerPort[];
}

// A DNS label, so that the workbench reaches it by name.
const NAME_PATTERN = /^[a-z][a-z0-9-]{0,30}$/;
const LISTEN_TIMEOUT_MS = 15_000;
const POLL_MS = 200;

/** `run` and `stop`: the learner's own server in a container of its own on the lab network. */
export function registerRunCommands(program: Command): void {
  program
    .command("run")
    .description("run your own server (Python or Node, a file or a folder) in its own container in the lab")
    .argument(
      "<file>",
      "server.py, server.js, or a folder with main.py, server.py, main.js, server.js or index.js",
    )
    .option(
      "--name <name>",
      "its name in the lab, which the workbench reaches (default: the folder's name, or the file's without its extension)",
    )
    .addOption(
      new Option(
        "--port <port>",
        "a port it listens on, e.g. 9999 or 9999/udp: run waits for it (repeatable)",
      )
        .argParser(collectPort)
        .default([]),
    )
    .addHelpText(
      "after",
      `
A file comes with the files beside it in its language (up to ${MAX_NEIGHBOUR_SOURCES}), read-only, so that it
imports them as \`python3 FILE\` would (exercise 4's frame_echo.py and framing.py); a folder comes
whole (up to ${MAX_FOLDER_FILES} files, hidden ones left out), and is named after itself: ./my-chat is my-chat.
The files must be readable by others (chmod o+r); their folders need not be.
It runs as an unprivileged user with no capabilities and a read-only root, on the lab's network, so
the workbench reaches it by NAME; status and netstat show it; stop NAME or down removes it.
Examples:
  socklab run server.py --port 9999
  socklab run ./my-chat --name my-chat --port 6668
Exit codes: 0 it runs (and listens on every --port), 2 bad arguments or a name already in use,
  4 it exited or never listened (its last lines are printed), 5 the lab is not running.`,
    )
    .action(async (file: string, options: RunOptions) => {
      process.exitCode = insideWorkbench() ? onTheHostOnly("run") : await run(file, options);
    });

  program
    .command("stop")
    .description("stop and remove a server that `socklab run` started")
    .argument("<name>", "its name in the lab")
    .addHelpText(
      "after",
      "\nExample:\n  socklab stop server\nExit codes: 0 removed, 2 no server of that name, 5 the lab is not running.",
    )
    .action(async (name: string) => {
      process.exitCode = insideWorkbench() ? onTheHostOnly("stop") : await stop(name);
    });
}

function onTheHostOnly(command: string): number {
  process.stderr.write(`socklab ${command}: run it on the host, where Docker is\n`);
  return EXIT.usage;
}

function collectPort(text: string, previous: LearnerServerPort[]): LearnerServerPort[] {
  const match = /^(\d+)(?:\/(tcp|udp))?$/.exec(text);
  const port = Number(match?.[1]);
  if (!match || !Number.isInteger(port) || port < 1 || port > 65_535)
    throw new InvalidArgumentError(`expected PORT or PORT/udp (1 to 65535), got ${text}`);
  return [...previous, { port, protocol: match[2] === "udp" ? "udp" : "tcp" }];
}

async function run(file: string, options: RunOptions): Promise<number> {
  const server = await resolveLearnerServer(file);
  const name = options.name ?? server.defaultName;
  if (!NAME_PATTERN.test(name)) {
    const given = options.name === undefined ? `${file} gives the name "${name}"` : `--name ${name}`;
    throw new SocklabError(
      "ERR_USAGE",
      `${given}: a name in the lab has lowercase letters, digits and -, starting with a letter (at most 31)${options.name === undefined ? "; choose one with --name" : ""}`,
    );
  }
  const { running, project, network } = await labOfWorkbench();
  const taken = running.find((s) => s.service === name);
  if (taken) {
    const hint = (await isLearnerServer(taken.container)) ? `: ${socklabCommand(`stop ${name}`)} first` : "";
    throw new SocklabError("ERR_USAGE", `${name} is already a name in the lab${hint}`);
  }
  const container = learnerServerContainerName(project, name);
  // One that ended (it crashed, or was stopped by hand) is this command's own leftover: replace it.
  if (await isLearnerServer(container)) await docker(["rm", "--force", container]);
  const args = learnerServerRunArgs({
    project,
    network,
    name,
    files: server.files,
    entryFile: server.entryFile,
    interpreter: server.interpreter,
    ports: options.port,
  });
  await docker(args);
  const problem = await waitUntilListening(container, name, options.port);
  if (problem !== undefined) {
    const lastLines = await lastLogLines(container);
    await docker(["rm", "--force", container]).catch(() => "");
    process.stderr.write(`socklab run: ${problem}${lastLines ? `; its last lines:\n${lastLines}` : ""}\n`);
    return EXIT.labFailed;
  }
  const reach = options.port.map((p) => `${name}:${p.port}${p.protocol === "udp" ? "/udp" : ""}`).join(", ");
  process.stdout.write(
    `${name} runs in its own container on the lab's network${reach ? `, listening: reach it from the workbench as ${reach}` : ""}
  its sockets: ${socklabCommand(`netstat ${name}`)}    its output: docker logs -f ${container}    remove it: ${socklabCommand(`stop ${name}`)}
`,
  );
  return EXIT.ok;
}

async function stop(name: string): Promise<number> {
  const { project } = await labOfWorkbench();
  const container = learnerServerContainerName(project, name);
  if (!(await isLearnerServer(container))) {
    const names = await learnerServerNames(project);
    throw new SocklabError(
      "ERR_USAGE",
      `no server named ${name} was started by ${socklabCommand("run")} in compose project ${project}; running: ${names.join(", ") || "none"}`,
    );
  }
  await docker(["rm", "--force", container]);
  process.stdout.write(`removed ${name}\n`);
  return EXIT.ok;
}

// The running lab, its compose project as the engine labels it (the file's `name:` unless -p says
// otherwise) and its network: where a learner's server joins it.
async function labOfWorkbench(): Promise<{ running: ServiceStatus[]; project: string; network: string }> {
  const running = await requireRunningLab(["workbench"]);
  const workbench = running.find((s) => s.service === "workbench");
  const network = workbench?.networks[0];
  if (workbench === undefined || network === undefined)
    throw new SocklabError(
      "ERR_LAB_DOWN",
      `the lab's workbench is on no network: restart it with \`${socklabCommand("up")}\``,
    );
  const project = (
    await docker([
      "inspect",
      "--format",
      '{{index .Config.Labels "com.docker.compose.project"}}',
      workbench.container,
    ])
  ).trim();
  return { running, project, network };
}

// Ready when every --port listens (TCP) or is bound (UDP), read from its own network namespace.
async function waitUntilListening(
  container: string,
  name: string,
  ports: readonly LearnerServerPort[],
): Promise<string | undefined> {
  const deadline = performance.now() + LISTEN_TIMEOUT_MS;
  for (;;) {
    const state = (
      await docker(["inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", container])
    ).trim();
    if (!state.startsWith("running")) return `${name} exited (${state})`;
    const entries = await readSocketTable(container, name).then(
      (table) => table.entries,
      () => [],
    );
    const missing = ports.filter(
      (p) =>
        !entries.some(
          (e) =>
            e.protocol === p.protocol &&
            e.localPort === p.port &&
            (p.protocol === "tcp" ? e.state === "LISTEN" : e.state === "UNCONN"),
        ),
    );
    if (missing.length === 0) return undefined;
    if (performance.now() >= deadline) {
      const what = missing.map((p) => `${p.port}/${p.protocol}`).join(", ");
      return `${name} runs but does not listen on ${what} after ${LISTEN_TIMEOUT_MS} ms (does it bind 0.0.0.0 or ::, not 127.0.0.1?)`;
    }
    await delay(POLL_MS);
  }
}

// What the server printed, stdout and stderr (a Python traceback goes to stderr), last lines only.
async function lastLogLines(container: string): Promise<string> {
  try {
    const { stdout, stderr } = await execFileAsync("docker", ["logs", "--tail", "20", container]);
    return `${stdout}${stderr}`.trimEnd();
  } catch {
    return "";
  }
}

async function isLearnerServer(container: string): Promise<boolean> {
  const label = await docker([
    "inspect",
    "--format",
    `{{index .Config.Labels "${LEARNER_SERVER_LABEL}"}}`,
    container,
  ]).catch(() => "");
  return label.trim() === "true";
}

async function learnerServerNames(project: string): Promise<string[]> {
  const out = await docker([
    "ps",
    "--filter",
    `label=${LEARNER_SERVER_LABEL}=true`,
    "--filter",
    `label=com.docker.compose.project=${project}`,
    "--format",
    '{{index .Labels "com.docker.compose.service"}}',
  ]).catch(() => "");
  return out.split("\n").filter(Boolean).sort();
}

async function docker(args: readonly string[]): Promise<string> {
  try {
    return (await execFileAsync("docker", args, { maxBuffer: 16 * 1024 * 1024 })).stdout;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new SocklabError(
      "ERR_LAB_EXEC",
      `docker ${args[0] ?? ""} failed: ${stderr || (error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}
