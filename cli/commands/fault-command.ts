import { Command, InvalidArgumentError, Option } from "commander";
import { applyFault, type Fault } from "../../labkit/fault/apply-fault.ts";
import { clearFaults } from "../../labkit/fault/clear-faults.ts";
import {
  FAULT_DEFAULT_SECONDS,
  FAULT_KINDS,
  FAULT_MAX_SECONDS,
  TCP_FLAGS,
  type FaultDirection,
  type FaultSpec,
  type FaultTarget,
  type TcpFlag,
} from "../../labkit/fault/fault-spec.ts";
import { composeProjectOf } from "../../labkit/fault/find-service-containers.ts";
import { listFaults, type ServiceFaults } from "../../labkit/fault/list-faults.ts";
import { EXIT } from "../exit-codes.ts";
import { positiveInt } from "../parse-int-option.ts";
import { insideWorkbench } from "../lab/run-in-workbench.ts";
import { composeTarget } from "../lab/compose-target.ts";
import { requireRunningLab } from "../lab/require-running-lab.ts";
import { copyToHostsOf } from "../lab/copy-to-hosts-of.ts";
import { crossHostTarget } from "../lab/hosts-target.ts";
import { requireRunningAcross } from "../lab/require-running-across.ts";
import { ensureFaultHelperImage, FAULT_HELPER_IMAGE } from "../../labkit/fault/fault-helper-image.ts";
import { socklabCommand } from "../output/invoked-as.ts";

interface CommonOptions {
  seconds: number;
  detach?: boolean;
  port?: number;
  peer?: string;
  direction?: FaultDirection;
}

type KindOptions = CommonOptions & Record<string, unknown>;

/** One kind of fault as a subcommand: its options, and how they make a FaultSpec. */
interface FaultVariant {
  description: string;
  /** A second argument after the service (partition's peer). */
  peerArgument?: boolean;
  /** Whether --direction, --port and --peer apply (nftables kinds); qdisc kinds shape all output. */
  scoped: boolean;
  /** Whether --direction applies: a reset is always answered to what the service receives. */
  directional: boolean;
  options: Option[];
  example: string;
  toSpec: (service: string, options: KindOptions, peer?: string) => FaultSpec;
}

const percentOption = (what: string) =>
  new Option("--percent <n>", what).argParser(percent).makeOptionMandatory();

const FAULT_VARIANTS: Readonly<Record<FaultSpec["kind"], FaultVariant>> = {
  loss: {
    description: "drop a percentage of packets, at random (nftables numgen)",
    scoped: true,
    directional: true,
    options: [percentOption("how many packets of 100 to drop")],
    example: "socklab fault loss tcp-echo --percent 20 --direction in",
    toSpec: (service, o) => ({
      kind: "loss",
      service,
      percent: o["percent"] as number,
      ...scope(o),
      ...direction(o),
    }),
  },
  blackhole: {
    description: "drop every packet silently: peers see timeouts, never an error",
    scoped: true,
    directional: true,
    options: [],
    example: "socklab fault blackhole chat --port 6667",
    toSpec: (service, o) => ({ kind: "blackhole", service, ...scope(o), ...direction(o) }),
  },
  reset: {
    description: "answer TCP with a reset (RST): every segment, new connections only, or after some bytes",
    scoped: true,
    directional: false,
    options: [
      new Option("--new-only", "only new connections (their SYN): existing ones go on"),
      new Option("--after-bytes <n>", "let each connection send this many bytes first").argParser(
        positiveInt,
      ),
    ],
    example: "socklab fault reset tcp-echo --after-bytes 10000",
    toSpec: (service, o) => ({
      kind: "reset",
      service,
      ...(o["newOnly"] ? { newOnly: true } : {}),
      ...(o["afterBytes"] !== undefined ? { afterBytes: o["afterBytes"] as number } : {}),
      ...scope(o),
    }),
  },
  drop: {
    description: "drop TCP segments with chosen flags: SYN holds SYN_SENT, FIN holds FIN_WAIT1 or LAST_ACK",
    scoped: true,
    directional: true,
    options: [
      new Option("--flags <list>", `some of ${TCP_FLAGS.join(",")}`).argParser(flags).makeOptionMandatory(),
    ],
    example: "socklab fault drop tcp-echo --flags syn",
    toSpec: (service, o) => ({
      kind: "drop",
      service,
      flags: o["flags"] as TcpFlag[],
      ...scope(o),
      ...direction(o),
    }),
  },
  partition: {
    description: "cut two services off from each other, both ways; the rest of the lab still reaches both",
    peerArgument: true,
    scoped: false,
    directional: false,
    options: [],
    example: "socklab fault partition chat workbench",
    toSpec: (service, o, peer) => ({ kind: "partition", service, peer: peer ?? "", seconds: o.seconds }),
  },
  bandwidth: {
    description: "limit what the service sends to a rate (tc tbf)",
    scoped: false,
    directional: false,
    options: [
      new Option("--rate <rate>", "e.g. 800kbit, 8mbit, 1gbit").argParser(rateKbit).makeOptionMandatory(),
    ],
    example: "socklab fault bandwidth file-transfer --rate 8mbit",
    toSpec: (service, o) => ({
      kind: "bandwidth",
      service,
      rateKbitPerSecond: o["rate"] as number,
      seconds: o.seconds,
    }),
  },
  delay: {
    description: "delay what the service sends (tc netem; where the kernel has it)",
    scoped: false,
    directional: false,
    options: [
      new Option("--ms <n>", "delay in milliseconds").argParser(positiveInt).makeOptionMandatory(),
      new Option("--jitter-ms <n>", "random variation around it").argParser(positiveInt),
    ],
    example: "socklab fault delay tcp-echo --ms 100 --jitter-ms 20",
    toSpec: (service, o) => ({
      kind: "delay",
      service,
      delayMs: o["ms"] as number,
      ...(o["jitterMs"] !== undefined ? { jitterMs: o["jitterMs"] as number } : {}),
      seconds: o.seconds,
    }),
  },
  duplicate: {
    description: "send a percentage of packets twice (tc netem; where the kernel has it)",
    scoped: false,
    directional: false,
    options: [percentOption("how many packets of 100 to duplicate")],
    example: "socklab fault duplicate udp-echo --percent 10",
    toSpec: (service, o) => ({
      kind: "duplicate",
      service,
      percent: o["percent"] as number,
      seconds: o.seconds,
    }),
  },
  reorder: {
    description: "send a percentage of packets ahead of the others, the rest delayed (tc netem)",
    scoped: false,
    directional: false,
    options: [
      percentOption("how many packets of 100 go at once"),
      new Option("--ms <n>", "the delay of the others").argParser(positiveInt).default(10),
    ],
    example: "socklab fault reorder tcp-echo --percent 25 --ms 10",
    toSpec: (service, o) => ({
      kind: "reorder",
      service,
      percent: o["percent"] as number,
      delayMs: o["ms"] as number,
      seconds: o.seconds,
    }),
  },
};

const KINDS_LINE = `valid kinds: ${FAULT_KINDS.join(", ")}`;

/** `socklab fault <kind> <service>`, `socklab fault list`, `socklab fault clear [service]`. */
export function registerFaultCommand(program: Command): void {
  const fault = program
    .command("fault")
    .description("network faults on a service of the running lab: loss, resets, partitions, bandwidth...")
    .showHelpAfterError(`${KINDS_LINE}; socklab fault --help shows each`)
    .addHelpText("after", faultHelp());
  fault
    .command("list")
    .description("the faults in force on each service, read from its kernel (nftables tables, tc qdiscs)")
    .option("--json", "print JSON for scripts")
    .action((options: { json?: boolean }) => run(() => runList(options.json ?? false)));
  fault
    .command("clear")
    .description("remove every fault (on one service, if named)")
    .argument("[service]", "only this service")
    .action((service: string | undefined) => run(() => runClear(service)));
  for (const [kind, variant] of Object.entries(FAULT_VARIANTS)) addKind(fault, kind, variant);
}

function addKind(fault: Command, kind: string, variant: FaultVariant): void {
  const command = fault
    .command(kind)
    .description(variant.description)
    .argument("<service>", "the service whose network namespace takes the fault");
  if (variant.peerArgument) command.argument("<peer>", "the other service");
  for (const option of variant.options) command.addOption(option);
  if (variant.directional) {
    command.addOption(
      new Option("--direction <direction>", "in: what the service receives, out: what it sends").choices([
        "in",
        "out",
        "both",
      ]),
    );
  }
  if (variant.scoped) {
    command
      .addOption(new Option("--port <port>", "only packets to or from this port").argParser(positiveInt))
      .option("--peer <service>", "only packets exchanged with this other service");
  }
  command
    .addOption(
      new Option("--seconds <n>", `how long it lasts (at most ${FAULT_MAX_SECONDS})`)
        .default(FAULT_DEFAULT_SECONDS)
        .argParser(positiveInt),
    )
    .option("--detach", "return at once; the fault stays until --seconds run out or `socklab fault clear`")
    .addHelpText("after", `\nExample:\n  ${variant.example}`)
    .action((service: string, ...rest: unknown[]) => {
      const peer = variant.peerArgument ? (rest[0] as string) : undefined;
      const options = (variant.peerArgument ? rest[1] : rest[0]) as KindOptions;
      return run(() => runApply(variant.toSpec(service, options, peer), options.detach ?? false));
    });
}

// Errors (lab not running, unknown service, a kernel feature missing) reach main.ts, which prints
// each with its code and exits with the code's exit code (protocol/error-codes.ts).
async function run(body: () => Promise<number>): Promise<void> {
  if (insideWorkbench()) {
    process.stderr.write("socklab fault: run it on the host, where the lab's containers are\n");
    process.exitCode = EXIT.usage;
    return;
  }
  process.exitCode = await body();
}

/**
 * The running lab's compose project (-p, COMPOSE_PROJECT_NAME, or the compose file's own name); for a
 * lab across hosts (--hosts-file) its engines too, with the helper's image on the hosts of `service`
 * (of every running container when none is named), where the helpers run.
 */
async function runningProject(service?: string): Promise<FaultTarget> {
  const hosts = await crossHostTarget();
  if (hosts) {
    const { running } = await requireRunningAcross(hosts, service === undefined ? [] : [service]);
    await ensureFaultHelperImage();
    await copyToHostsOf(
      hosts,
      running.filter((s) => service === undefined || s.service === service),
      [FAULT_HELPER_IMAGE],
    );
    const engines = hosts.engines.map((engine) => ({ name: engine.name, docker: engine.docker() }));
    return { projectName: hosts.projectName, engines };
  }
  const [first] = await requireRunningLab();
  const named = composeTarget().projectName;
  return { projectName: named ?? (first ? await composeProjectOf(first.container) : "socklab") };
}

async function runApply(spec: FaultSpec, detach: boolean): Promise<number> {
  const fault = await applyFault(await runningProject(spec.service), spec);
  const until = fault.expiresAt.toISOString().slice(11, 19);
  const what = `${fault.description} on ${fault.service}`;
  if (detach) {
    fault.detach();
    process.stdout.write(
      `${what}: in force until ${until} UTC; ${socklabCommand(`fault clear ${fault.service}`)} removes it sooner\n`,
    );
    return EXIT.ok;
  }
  process.stdout.write(`${what}: in force until ${until} UTC; Ctrl-C removes it\n`);
  return holdUntilEnded(fault);
}

// Held in the foreground: a signal removes it; so does its deadline, kept by the helper itself.
async function holdUntilEnded(fault: Fault): Promise<number> {
  const signals: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
  const onSignal = (): void => void fault.clear();
  for (const signal of signals) process.on(signal, onSignal);
  try {
    await fault.removed;
  } finally {
    for (const signal of signals) process.off(signal, onSignal);
  }
  process.stdout.write(`${fault.description} on ${fault.service}: removed\n`);
  return EXIT.ok;
}

async function runList(json: boolean): Promise<number> {
  const faults = await listFaults(await runningProject());
  process.stdout.write(json ? `${JSON.stringify(faults)}\n` : formatFaults(faults));
  return EXIT.ok;
}

async function runClear(service: string | undefined): Promise<number> {
  const cleared = await clearFaults(await runningProject(service), service);
  for (const { service: name, removed } of cleared) {
    process.stdout.write(`${name}: ${removed.length === 0 ? "no fault" : `removed ${removed.join("; ")}`}\n`);
  }
  return EXIT.ok;
}

/** One line per fault in force, services without any shown as `-`. */
export function formatFaults(services: readonly ServiceFaults[], now = new Date()): string {
  const rows = services.flatMap(({ service, faults }) =>
    faults.length === 0
      ? [[service, "-", "", ""]]
      : faults.map((f) => [
          service,
          f.description,
          `${f.mechanism} ${f.name}`,
          f.expiresAt
            ? `in ${Math.max(0, Math.round((f.expiresAt.getTime() - now.getTime()) / 1000))} s`
            : `held by no helper: ${socklabCommand("fault clear")} removes it`,
        ]),
  );
  const header = ["SERVICE", "FAULT", "IN THE KERNEL", "ENDS"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return `${[header, ...rows].map(line).join("\n")}\n`;
}

function faultHelp(): string {
  const kinds = Object.entries(FAULT_VARIANTS)
    .map(([kind, v]) => `  ${kind.padEnd(10)} ${v.description}`)
    .join("\n");
  return `
Kinds:
${kinds}

Each fault is applied by a short-lived helper container in the service's network namespace, the
only one that holds NET_ADMIN. It stays in force until Ctrl-C, \`socklab fault clear\`, or its
--seconds (default ${FAULT_DEFAULT_SECONDS}) run out; the helper removes it then even if socklab was killed.
For a lab across hosts (--hosts-file), the helper runs on the host that holds the service.
Examples:
  socklab fault loss tcp-echo --percent 20
  socklab fault partition chat workbench --seconds 30
  socklab fault list
  socklab fault clear
Exit codes: 0 ok, 2 bad arguments (unknown kind or service), 5 lab not running,
7 the kernel lacks what the kind needs (the message names it).`;
}

interface ScopeFields {
  seconds: number;
  port?: number;
  peer?: string;
}

function scope(o: KindOptions): ScopeFields {
  return {
    seconds: o.seconds,
    ...(o.port !== undefined ? { port: o.port } : {}),
    ...(o.peer !== undefined ? { peer: o.peer } : {}),
  };
}

function direction(o: KindOptions): { direction?: FaultDirection } {
  return o.direction ? { direction: o.direction } : {};
}

function percent(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value > 100)
    throw new InvalidArgumentError(`expected a whole percentage 0-100, got ${text}`);
  return value;
}

function flags(text: string): TcpFlag[] {
  const chosen = text.split(",").map((f) => f.trim().toLowerCase());
  const unknown = chosen.filter((f) => !TCP_FLAGS.includes(f as TcpFlag));
  if (unknown.length > 0 || chosen.length === 0)
    throw new InvalidArgumentError(`unknown flag ${unknown.join(",")}; valid flags: ${TCP_FLAGS.join(", ")}`);
  return chosen as TcpFlag[];
}

// Rates as tc writes them: 800kbit, 8mbit, 1gbit (decimal multiples of bits per second).
const KBIT_PER_UNIT: Readonly<Record<string, number>> = { kbit: 1, mbit: 1_000, gbit: 1_000_000 };

export function rateKbit(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(kbit|mbit|gbit)$/i.exec(text.trim());
  const value = match ? Number(match[1]) * (KBIT_PER_UNIT[match[2]?.toLowerCase() ?? ""] ?? 0) : 0;
  if (!match || !Number.isFinite(value) || value < 1)
    throw new InvalidArgumentError(`expected a rate like 800kbit, 8mbit or 1gbit, got ${text}`);
  return Math.round(value);
}
