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
import { positiveInt } from "../parse-int-option.ts";
import { requireRunningLab } from "../lab/require-running-lab.ts";
import { insideWorkbench } from "../lab/run-in-workbench.ts";

interface NetstatOptions {
  watch?: boolean;
  json?: boolean;
  interval: number;
  port?: number[];
  state?: SocketState[];
  all?: boolean;
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
    .addHelpText(
      "after",
      `
States are read from /proc/net/{tcp,tcp6,udp,udp6} inside each container, with the owning
process from /proc/PID/fd; v4-mapped IPv6 addresses are shown as IPv4. Docker's DNS resolver
(127.0.0.11) and the healthchecks' loopback connections are hidden unless --all.
Examples:
  socklab netstat
  socklab netstat tcp-echo workbench --watch
  socklab netstat --port 7 --state time-wait
  socklab netstat tcp-echo --json
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
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65_535)
    throw new InvalidArgumentError(`expected a port from 1 to 65535, got ${text}`);
  return [...(earlier ?? []), port];
}

function collectState(text: string, earlier: SocketState[] | undefined): SocketState[] {
  try {
    return [...(earlier ?? []), parseSocketState(text)];
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

async function runNetstat(services: readonly string[], options: NetstatOptions): Promise<number> {
  const running = await requireRunningLab(services);
  const targets = services.length > 0 ? running.filter((s) => services.includes(s.service)) : running;
  const filter: SocketFilter = {
    ...(options.port ? { ports: options.port } : {}),
    ...(options.state ? { states: options.state } : {}),
    showInternal: options.all === true,
  };
  const read = async () =>
    (await Promise.all(targets.map((t) => readSocketTable(t.container, t.service)))).map((table) => ({
      ...table,
      entries: filterSockets(table.entries, filter),
    }));
  if (!options.watch) {
    process.stdout.write(options.json ? renderJson(await read()) : renderTables(await read()));
    return EXIT.ok;
  }
  let shown = "";
  let seen: ReadonlySet<string> | undefined;
  for (;;) {
    const tables = await read();
    const text = options.json ? renderJson(tables) : renderTables(tables, seen);
    if (options.json ? text !== shown : changed(tables, seen)) {
      const stamped = options.json
        ? text
        : `${new Date().toISOString()}  (* changed since the last draw)\n${text}`;
      process.stdout.write(options.json || !process.stdout.isTTY ? stamped : CLEAR_SCREEN + stamped);
    }
    shown = text;
    seen = rowKeys(tables);
    await delay(options.interval);
  }
}

function renderJson(tables: readonly SocketTable[]): string {
  return `${JSON.stringify(tables.map(({ name, entries }) => ({ service: name, sockets: entries })))}\n`;
}

/** The tables as netstat prints them; with `seen`, rows not in the last draw are marked. */
function renderTables(tables: readonly SocketTable[], seen?: ReadonlySet<string>): string {
  const render = (table: SocketTable) =>
    formatSocketTable(table.entries, {
      title: table.name,
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
