import { setTimeout as delay } from "node:timers/promises";
import { Command, InvalidArgumentError, Option } from "commander";
import {
  filterSockets,
  parseSocketState,
  type SocketFilter,
} from "../../labkit/socket-table/filter-sockets.ts";
import type { SocketState } from "../../labkit/socket-table/socket-entry.ts";
import { socketKey, type SocketKeyFields } from "../../labkit/socket-table/socket-key.ts";
import { formatSocketTable } from "../../labkit/socket-table/format-socket-table.ts";
import { readSocketTable, type SocketTable } from "../../labkit/socket-table/read-socket-table.ts";
import { EXIT } from "../exit-codes.ts";
import { portNumber, positiveInt } from "../parse-int-option.ts";
import { requireRunningLab } from "../lab/require-running-lab.ts";
import { crossHostTarget } from "../lab/hosts-target.ts";
import { requireRunningAcross } from "../lab/require-running-across.ts";
import { formatConnectionPairs } from "../../labkit/socket-table/format-connection-pairs.ts";
import { pairConnectionEnds } from "../../labkit/socket-table/pair-connection-ends.ts";
import { insideWorkbench } from "../lab/run-in-workbench.ts";

interface NetstatOptions {
  watch?: boolean;
  json?: boolean;
  interval: number;
  port?: number[];
  state?: SocketState[];
  all?: boolean;
  sideBySide?: boolean;
}

// Clear the screen and go home, so that each redraw replaces the last one.
const CLEAR_SCREEN = "\u001b[2J\u001b[H";

/** `socklab netstat`: every lab container's sockets, read from its own network namespace. */
export function registerNetstatCommand(program: Command): void {
  program
    .command("netstat")
    .description("the TCP and UDP sockets of lab containers, like netstat -tuanp run inside each")
    .argument("[service...]", "which containers (default: every running lab container)")
    .option("-w, --watch", "redraw whenever a table changes, with the time and the changed rows marked *")
    .option("--json", "print JSON for scripts (one object per container)")
    .addOption(new Option("--interval <ms>", "how often --watch looks").default(500).argParser(positiveInt))
    .addOption(
      new Option("--port <port>", "only rows with this local or remote port (repeatable)").argParser(
        collectPort,
      ),
    )
    .addOption(
      new Option("--state <state>", "only rows in this state, e.g. TIME_WAIT (repeatable)").argParser(
        collectState,
      ),
    )
    .option("-a, --all", "also the rows the lab makes for itself: Docker's DNS resolver, healthchecks")
    .option(
      "--side-by-side",
      "with two services: the connections between them, one row each, both ends' sockets beside each other",
    )
    .addHelpText(
      "after",
      `
States are read from /proc/net/{tcp,tcp6,udp,udp6} inside each container, with the owning
process from /proc/PID/fd; v4-mapped IPv6 addresses are shown as IPv4. Docker's DNS resolver
(127.0.0.11) and the healthchecks' loopback connections are hidden unless --all. For a lab across
hosts (--hosts-file), each table is read on the host that holds the container, and titled with it.
Examples:
  socklab netstat
  socklab netstat tcp-echo workbench --watch
  socklab netstat --port 7 --state time-wait
  socklab netstat tcp-echo --json
  socklab netstat workbench tcp-echo --side-by-side
Exit codes: 0 ok, 2 bad arguments or a service the lab does not have, 5 the lab is not running.`,
    )
    .action(async (services: string[], options: NetstatOptions) => {
      if (insideWorkbench()) {
        process.stderr.write(
          "socklab netstat: run it on the host, where the lab's containers are (ss -tanp works here)\n",
        );
        process.exitCode = EXIT.usage;
        return;
      }
      process.exitCode = await runNetstat(services, options);
    });
}

function collectPort(text: string, earlier: number[] | undefined): number[] {
  return [...(earlier ?? []), portNumber(text)];
}

function collectState(text: string, earlier: SocketState[] | undefined): SocketState[] {
  try {
    return [...(earlier ?? []), parseSocketState(text)];
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

/** One container's table, with where it runs: its host across hosts, and its lab addresses. */
type NetstatTable = SocketTable & { host?: string; addresses: readonly string[] };

interface NetstatTarget {
  service: string;
  host?: string;
  addresses: readonly string[];
  read(): Promise<SocketTable>;
}

/** The running containers to read, each on its own engine (its host's, for a lab across hosts). */
async function netstatTargets(services: readonly string[]): Promise<NetstatTarget[]> {
  const hosts = await crossHostTarget();
  if (!hosts) {
    return (await requireRunningLab(services)).map((s) => ({
      service: s.service,
      addresses: s.addresses,
      read: () => readSocketTable(s.container, s.service),
    }));
  }
  const { running, containerOf } = await requireRunningAcross(hosts, services);
  return running.map((s) => ({
    service: s.service,
    ...(s.host ? { host: s.host } : {}),
    addresses: s.addresses,
    read: () => readSocketTable(s.container, s.service, containerOf(s)?.host.docker),
  }));
}

async function runNetstat(services: readonly string[], options: NetstatOptions): Promise<number> {
  if (options.sideBySide && services.length !== 2) {
    process.stderr.write(
      "socklab netstat: --side-by-side takes exactly two services, e.g. workbench tcp-echo\n",
    );
    return EXIT.usage;
  }
  const running = await netstatTargets(services);
  // Named services keep the order given: the first is the left side of --side-by-side.
  const targets =
    services.length > 0
      ? services.flatMap((service) => running.filter((t) => t.service === service))
      : running;
  const filter: SocketFilter = {
    ...(options.port ? { ports: options.port } : {}),
    ...(options.state ? { states: options.state } : {}),
    showInternal: options.all === true,
  };
  const read = async (): Promise<NetstatTable[]> =>
    Promise.all(
      targets.map(async (t) => {
        const table = await t.read();
        return {
          ...table,
          entries: filterSockets(table.entries, filter),
          ...(t.host ? { host: t.host } : {}),
          addresses: t.addresses,
        };
      }),
    );
  const render = (tables: readonly NetstatTable[], seen?: ReadonlySet<string>) =>
    options.json
      ? renderJson(tables)
      : options.sideBySide
        ? renderSideBySide(tables)
        : renderTables(tables, seen);
  if (!options.watch) {
    process.stdout.write(render(await read()));
    return EXIT.ok;
  }
  let shown = "";
  let seen: ReadonlySet<string> | undefined;
  for (;;) {
    const tables = await read();
    const text = render(tables, seen);
    const redraw = options.json || options.sideBySide ? text !== shown : changed(tables, seen);
    if (redraw) {
      const stamped = options.json
        ? text
        : `${new Date().toISOString()}  ${options.sideBySide ? "" : "(* changed since the last draw)"}\n${text}`;
      process.stdout.write(options.json || !process.stdout.isTTY ? stamped : CLEAR_SCREEN + stamped);
    }
    shown = text;
    seen = rowKeys(tables);
    await delay(options.interval);
  }
}

const titleOf = (table: NetstatTable) => (table.host ? `${table.name} on ${table.host}` : table.name);

/** The connections between the two containers, each end's socket beside the other's. */
function renderSideBySide(tables: readonly NetstatTable[]): string {
  const [left, right] = tables;
  if (!left || !right) return "";
  const title = (t: NetstatTable) => `${titleOf(t)} (${t.addresses.join(", ") || "no address"})`;
  return `${formatConnectionPairs([title(left), title(right)], pairConnectionEnds(left, right))}\n`;
}

function renderJson(tables: readonly NetstatTable[]): string {
  const rows = tables.map(({ name, host, entries }) => ({
    service: name,
    ...(host ? { host } : {}),
    sockets: entries,
  }));
  return `${JSON.stringify(rows)}\n`;
}

/** The tables as netstat prints them; with `seen`, rows not in the last draw are marked. */
function renderTables(tables: readonly NetstatTable[], seen?: ReadonlySet<string>): string {
  const render = (table: NetstatTable) =>
    formatSocketTable(table.entries, {
      title: titleOf(table),
      ...(seen ? { marked: (row) => !seen.has(rowKey(table.name, row)) } : {}),
    });
  return `${tables.map(render).join("\n\n")}\n`;
}

const rowKey = (name: string, row: SocketKeyFields) => `${name} ${socketKey(row)}`;

function rowKeys(tables: readonly SocketTable[]): Set<string> {
  return new Set(tables.flatMap((table) => table.entries.map((row) => rowKey(table.name, row))));
}

function changed(tables: readonly SocketTable[], seen: ReadonlySet<string> | undefined): boolean {
  if (!seen) return true;
  const now = rowKeys(tables);
  return now.size !== seen.size || [...now].some((key) => !seen.has(key));
}
