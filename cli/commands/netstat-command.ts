import { setTimeout as delay } from "node:timers/promises";
import { Command, Option } from "commander";
import { formatSocketTable } from "../../labkit/socket-table/format-socket-table.ts";
import { readSocketTable, type SocketTable } from "../../labkit/socket-table/read-socket-table.ts";
import { EXIT } from "../exit-codes.ts";
import { positiveInt } from "../parse-int-option.ts";
import { requireRunningLab } from "../lab/require-running-lab.ts";
import { insideWorkbench } from "../lab/run-in-workbench.ts";

interface NetstatOptions {
  watch?: boolean;
  json?: boolean;
  intervalMs: number;
}

// Clear the screen and go home, so that each redraw replaces the last one.
const CLEAR_SCREEN = "\u001b[2J\u001b[H";

/** `socklab netstat`: every lab container's sockets, read from its own network namespace. */
export function registerNetstatCommand(program: Command): void {
  program
    .command("netstat")
    .description("the TCP and UDP sockets of lab containers, like netstat -tuanp run inside each")
    .argument("[service...]", "which containers (default: every running lab container)")
    .option("-w, --watch", "redraw whenever a table changes (Ctrl-C to stop)")
    .option("--json", "print JSON for scripts (one object per container)")
    .addOption(new Option("--interval <ms>", "how often --watch looks").default(500).argParser(positiveInt))
    .addHelpText(
      "after",
      `
States are read from /proc/net/{tcp,tcp6,udp,udp6} inside each container, with the owning
process from /proc/PID/fd; v4-mapped IPv6 addresses are shown as IPv4.
Examples:
  socklab netstat
  socklab netstat tcp-echo workbench --watch
  socklab netstat tcp-echo --json
Exit codes: 0 ok, 5 the lab is not running or a named service is not in it.`,
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

async function runNetstat(services: readonly string[], options: NetstatOptions): Promise<number> {
  const running = await requireRunningLab(services);
  const targets = services.length > 0 ? running.filter((s) => services.includes(s.service)) : running;
  const render = (tables: readonly SocketTable[]) =>
    options.json
      ? `${JSON.stringify(tables.map(({ name, entries }) => ({ service: name, sockets: entries })))}\n`
      : `${tables.map((table) => formatSocketTable(table.entries, { title: table.name })).join("\n\n")}\n`;
  const read = () => Promise.all(targets.map((t) => readSocketTable(t.container, t.service)));
  if (!options.watch) {
    process.stdout.write(render(await read()));
    return EXIT.ok;
  }
  let shown = "";
  for (;;) {
    const text = render(await read());
    if (text !== shown)
      process.stdout.write(options.json || !process.stdout.isTTY ? text : CLEAR_SCREEN + text);
    shown = text;
    await delay(options.intervalMs);
  }
}
