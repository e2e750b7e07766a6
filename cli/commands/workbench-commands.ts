import { open, readFile, rename, rm } from "node:fs/promises";
import path from "node:path";
import { Command, Option } from "commander";
import { countPcapPackets } from "../capture/count-pcap-packets.ts";
import { EXIT } from "../exit-codes.ts";
import { checkFileToWrite } from "../local-files/check-file-to-write.ts";
import { requireRunningLab } from "../lab/require-running-lab.ts";
import { crossHostTarget } from "../lab/hosts-target.ts";
import { readCrossHostStatus } from "../lab/read-cross-host-status.ts";
import { localEngineHost } from "../../labkit/hosts/engine-host.ts";
import { transferImages } from "../../labkit/hosts/transfer-images.ts";
import { SocklabError } from "../../protocol/socklab-error.ts";
import { runCommand } from "../lab/run-command.ts";
import { execInWorkbench, insideWorkbench } from "../lab/run-in-workbench.ts";
import { positiveInt } from "../parse-int-option.ts";
import { socklabCommand } from "../output/invoked-as.ts";

const WORKBENCH_IMAGE = "socklab/workbench:latest";
const MAX_CAPTURE_SECONDS = 3_600;
// GNU timeout's exit code when the time ran out (and it stopped the command).
const TIMED_OUT = 124;
// Only what tcpdump needs, and KILL for timeout to signal it once it runs as tcpdump's own user.
const CAPTURE_HELPER_PRIVILEGES = [
  ...["--cap-drop", "ALL", "--cap-add", "NET_RAW", "--cap-add", "SETUID", "--cap-add", "SETGID"],
  ...["--cap-add", "KILL", "--security-opt", "no-new-privileges:true"],
];
// tcpdump's stderr: "tcpdump: listening on eth0, link-type EN10MB (Ethernet), snapshot length ..."
const TCPDUMP_LISTENING = /^tcpdump: listening on /;
// and at its end "12 packets captured", "... received by filter", "0 packets dropped by kernel".
const TCPDUMP_COUNTS = /^\d+ packets? (captured|received by filter|dropped by kernel)$/;

/** `shell` and `capture`: a prompt where the services are, and a pcap of one service's traffic. */
export function registerWorkbenchCommands(program: Command): void {
  // `shell ss -tan`: the command's options are its own, which commander passes through only when
  // options are positional (socklab's before the subcommand, the subcommand's before its arguments).
  program.enablePositionalOptions();
  program
    .command("shell")
    .description("a bash shell in the workbench, or one command run there")
    .argument("[command...]", "run this instead of an interactive shell (its options are its own)")
    .passThroughOptions()
    .addHelpText(
      "after",
      "\nExamples:\n  socklab shell\n  socklab shell ss -tan\n  socklab shell 'echo hi | nc -N tcp-echo 7'\nExit codes: the shell's own (0 when it succeeds), 5 the lab is not running.",
    )
    .action(async (command: string[]) => {
      const bashArgs = command.length > 0 ? ["-c", command.join(" ")] : [];
      process.exitCode = insideWorkbench()
        ? await runCommand("bash", bashArgs)
        : await execInWorkbench(["bash", ...bashArgs], ttyFlag());
    });

  program
    .command("capture")
    .description(
      "write a pcap of SERVICE's traffic, taken by tcpdump in a helper sharing its network namespace",
    )
    .argument("<service>", "e.g. tcp-echo")
    .addOption(
      new Option("--seconds <n>", `how long to capture (at most ${MAX_CAPTURE_SECONDS})`)
        .default(10)
        .argParser(positiveInt),
    )
    .option("-o, --output <file>", "where to write it (default: SERVICE-<time>.pcap here)")
    .option("--json", "print JSON for scripts")
    .addHelpText(
      "after",
      `
It says when tcpdump is listening: traffic sent before that is not in the file. Ctrl-C stops it
early and keeps what was captured.
Open the file with Wireshark, or: tcpdump -nn -r FILE (on a host without tcpdump, the workbench's
reads it from your terminal: socklab shell -- tcpdump -nn -r - < FILE)
For a lab across hosts (--hosts-file), the helper runs on the host that holds SERVICE.
Examples:
  socklab capture tcp-echo --seconds 5
  socklab capture chat -o chat.pcap
Exit codes: 0 ok, 2 bad arguments, 4 tcpdump failed in the helper, 5 the lab is not running or SERVICE
  is not in it.`,
    )
    .action(async (service: string, options: { seconds: number; output?: string; json?: boolean }) => {
      process.exitCode = await capture(service, options);
    });
}

async function capture(
  service: string,
  options: { seconds: number; output?: string; json?: boolean },
): Promise<number> {
  if (options.seconds > MAX_CAPTURE_SECONDS) {
    process.stderr.write(`socklab capture: --seconds is at most ${MAX_CAPTURE_SECONDS}\n`);
    return EXIT.usage;
  }
  // A file that cannot be written is the user's to fix (2), said before any container starts.
  if (options.output !== undefined) await checkFileToWrite(options.output);
  const target = await captureTarget(service);
  const output = path.resolve(
    options.output ?? `${service}-${new Date().toISOString().replace(/[:.]/g, "-")}.pcap`,
  );
  // eth0 only: the lab's traffic, not the healthchecks on loopback. -U writes each packet at once,
  // to stdout, so the file is written here, by this user; --immediate-mode hands tcpdump each
  // packet as it comes, where libpcap would hold it up to a second (lost if stopped meanwhile).
  // timeout is the helper's PID 1, so the INT that docker run passes on when this command is
  // stopped reaches it, and it passes it on to tcpdump, which writes what it has and exits 0.
  // tcpdump drops root for its own user (SETUID, SETGID), after which timeout needs KILL.
  const tcpdump = ["timeout", "-s", "INT", `${options.seconds}`, "tcpdump", "-i", "eth0", "-p"];
  tcpdump.push("-U", "--immediate-mode", "-w", "-");
  const partial = `${output}.partial`;
  // The helper container takes a second or two to start: only tcpdump's own line says it captures.
  const tcpdumpState: { listeningSinceMs?: number; stoppedBy?: NodeJS.Signals } = {};
  const otherLines: string[] = [];
  const onStderrLine = (line: string): void => {
    if (tcpdumpState.listeningSinceMs === undefined && TCPDUMP_LISTENING.test(line)) {
      tcpdumpState.listeningSinceMs = performance.now();
      process.stderr.write(
        `capturing ${service}'s traffic for ${options.seconds} s (tcpdump is listening on eth0): send yours now; Ctrl-C stops it sooner\n`,
      );
    } else if (!TCPDUMP_COUNTS.test(line)) otherLines.push(line);
  };
  const helperArgs = [
    "run",
    "--rm",
    "--network",
    `container:${target.container}`,
    ...CAPTURE_HELPER_PRIVILEGES,
  ];
  const code = await runCommand("docker", [...helperArgs, WORKBENCH_IMAGE, ...tcpdump], {
    stdoutFile: await open(partial, "w"),
    onStderrLine,
    onSignal: (signal) => (tcpdumpState.stoppedBy ??= signal),
    ...(target.env ? { env: target.env } : {}),
  });
  const listening = tcpdumpState.listeningSinceMs !== undefined;
  // timeout exits 124 when the seconds ran out and it stopped tcpdump.
  if ((code !== 0 && code !== TIMED_OUT) || !listening) {
    await rm(partial, { force: true });
    if (tcpdumpState.stoppedBy && !listening) {
      process.stderr.write(`socklab capture: stopped before tcpdump was listening; no file written\n`);
      return EXIT.interrupted;
    }
    const said = otherLines.length > 0 ? `: ${otherLines.join("; ")}` : "";
    process.stderr.write(
      `socklab: ERR_LAB_EXEC: tcpdump in the capture helper of ${service} ${listening ? `exited ${code}` : "never started listening"}${said}\n`,
    );
    return EXIT.labFailed;
  }
  await rename(partial, output);
  const packets = countPcapPackets(await readFile(output));
  const { stoppedBy, listeningSinceMs = 0 } = tcpdumpState;
  const seconds = stoppedBy ? Math.round((performance.now() - listeningSinceMs) / 100) / 10 : options.seconds;
  const summary = { service, file: output, seconds, packets, ...(stoppedBy ? { stoppedBy } : {}) };
  process.stdout.write(
    options.json
      ? `${JSON.stringify(summary)}\n`
      : `wrote ${output}: ${packets} packets in ${seconds} s${stoppedBy ? ` (stopped by ${stoppedBy})` : ""}\n`,
  );
  return EXIT.ok;
}

interface CaptureTarget {
  container: string;
  /** The docker CLI's environment for the host that holds it, for a lab across hosts. */
  env?: NodeJS.ProcessEnv;
}

/**
 * The running container of `service`, and for a lab across hosts the engine that holds it: the
 * helper joins its namespace there, so the workbench's image (tcpdump) is copied there first.
 */
async function captureTarget(service: string): Promise<CaptureTarget> {
  const hosts = await crossHostTarget();
  if (!hosts) {
    const found = (await requireRunningLab([service])).find((s) => s.service === service);
    // requireRunningLab throws when it is missing.
    return { container: found?.container ?? service };
  }
  const { status } = await readCrossHostStatus(hosts);
  const found = status.find((s) => s.service === service && s.state === "running");
  const engine = hosts.engines.find((e) => e.name === found?.host);
  if (!found || !engine)
    throw new SocklabError(
      "ERR_LAB_DOWN",
      `${service} is not running on the hosts of ${hosts.file} (lab ${hosts.projectName}): start it with \`${socklabCommand("up")}\``,
    );
  await transferImages(localEngineHost(), engine, [WORKBENCH_IMAGE]);
  return { container: found.container, env: engine.cliEnv };
}

function ttyFlag(): string[] {
  return process.stdin.isTTY && process.stdout.isTTY ? ["-it"] : ["-T"];
}
