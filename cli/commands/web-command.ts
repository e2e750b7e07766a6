import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { Command, Option } from "commander";
import { SOCKLAB_ROOT } from "../../labkit/compose/compose-project.ts";
import { applyFault } from "../../labkit/fault/apply-fault.ts";
import { clearFaults } from "../../labkit/fault/clear-faults.ts";
import { composeProjectOf } from "../../labkit/fault/find-service-containers.ts";
import { listFaults } from "../../labkit/fault/list-faults.ts";
import { readSocketTable } from "../../labkit/socket-table/read-socket-table.ts";
import { startTrace } from "../../labkit/trace/start-trace.ts";
import { SocklabError } from "../../protocol/socklab-error.ts";
import type { WebLab, WebLabService } from "../../web/server/lab-feed.ts";
import { startWebServer } from "../../web/server/start-web-server.ts";
import { WEB_LIMITS } from "../../web/server/web-limits.ts";
import { tracedLabOf } from "../lab/traced-lab-of.ts";
import { EXIT } from "../exit-codes.ts";
import { portNumber } from "../parse-int-option.ts";
import { composeTarget } from "../lab/compose-target.ts";
import { formatPort } from "../lab/read-lab-status.ts";
import { requireRunningLab } from "../lab/require-running-lab.ts";
import { insideWorkbench } from "../lab/run-in-workbench.ts";
import { parseLang, resolveLang, type Lang } from "../lang/resolve-lang.ts";
import { TOUR_STEPS } from "../tour/tour-steps.ts";
import { TOUR_TEXTS } from "../tour/tour-texts.ts";

interface WebOptions {
  port: number;
  host: string;
  allowHost?: string[];
  lang?: Lang;
}

const DEFAULT_PORT = 7080;
/** Built by `npm run build:web` (setup.sh does it) or, in the package, by scripts/build-package.sh. */
export const WEB_BUNDLE_DIR = path.join(SOCKLAB_ROOT, "dist", "page");
const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "::1"]);

/** `socklab web`: a live page of the lab, served on this machine. */
export function registerWebCommand(program: Command): void {
  program
    .command("web")
    .description("a live page of the lab: containers and networks, sockets and states, the ladder, faults")
    .addOption(
      new Option("--port <port>", "the port to serve on (0: any free one)")
        .default(DEFAULT_PORT)
        .argParser((text: string) => portNumber(text, { allowAny: true })),
    )
    .addOption(
      new Option("--host <address>", "the address to listen on; 0.0.0.0 exposes the page").default(
        "127.0.0.1",
      ),
    )
    .addOption(
      new Option(
        "--allow-host <name>",
        "a host name the page may be opened by, when exposed (repeatable)",
      ).argParser((name: string, earlier: string[] | undefined) => [...(earlier ?? []), name]),
    )
    .addOption(new Option("--lang <lang>", "the tour's language on the page: en or zh").argParser(parseLang))
    .addHelpText(
      "after",
      `
The page shows the running lab live and pushes every change (Server-Sent Events); it reads the
sockets every ${WEB_LIMITS.socketPollMs} ms and runs a trace only while a page is open. Faults applied from
a page end when that page closes or reloads. At most ${WEB_LIMITS.maxPages} pages at once.
It listens on 127.0.0.1 only, unless --host says otherwise: anyone who can reach an exposed page can
apply faults to the lab (docs/web.md).
Examples:
  socklab web                       (then open http://127.0.0.1:${DEFAULT_PORT}/)
  socklab web --port 8080
  socklab web --host 0.0.0.0 --allow-host teacher.local
Exit codes: 0 stopped by Ctrl-C, 2 the port is taken, 5 the lab is not running.`,
    )
    .action(async (options: WebOptions) => {
      if (insideWorkbench()) {
        process.stderr.write("socklab web: run it on the host, where the lab's containers are\n");
        process.exitCode = EXIT.usage;
        return;
      }
      process.exitCode = await runWeb(options);
    });
}

async function runWeb(options: WebOptions): Promise<number> {
  const [first] = await requireRunningLab();
  const projectName =
    composeTarget().projectName ?? (first ? await composeProjectOf(first.container) : "socklab");
  buildPageIfMissing();
  const server = await startWebServer({
    lab: webLab(projectName, resolveLang(options.lang)),
    bundleDir: WEB_BUNDLE_DIR,
    host: options.host,
    port: options.port,
    allowedHostNames: options.allowHost ?? [],
  });
  if (!LOOPBACK_HOSTS.has(options.host)) {
    process.stderr.write(
      `socklab web: WARNING: listening on ${options.host}: anyone who can reach port ${server.port} of this machine can watch the lab and apply faults to it\n`,
    );
  }
  process.stdout.write(`socklab web: serving ${server.url} for the lab ${projectName}; Ctrl-C stops it\n`);
  await untilSignal();
  process.stdout.write("socklab web: stopping (clearing the pages' faults, stopping the trace)\n");
  await server.close();
  return EXIT.ok;
}

function webLab(projectName: string, lang: Lang): WebLab {
  const texts = TOUR_TEXTS[lang];
  const target = { projectName };
  return {
    projectName,
    readServices: async (): Promise<WebLabService[]> =>
      (await requireRunningLab()).map((s) => ({ ...s, ports: s.ports.map(formatPort) })),
    readSockets: (s) => readSocketTable(s.container, s.service),
    startTrace: (services, { keepEvents }) =>
      startTrace(
        {
          projectName,
          networkName: services[0]?.networks[0] ?? "",
          container: (service) => ({
            name: service,
            id: services.find((s) => s.service === service)?.container ?? service,
          }),
        },
        { services: services.map((s) => s.service), states: "auto", keepEvents },
      ),
    applyFault: (spec) => applyFault(target, spec),
    clearFaults: (service) => clearFaults(target, service),
    listFaults: () => listFaults(target),
    tourSteps: TOUR_STEPS.map((step) => ({
      key: step.key,
      title: texts[step.key].title,
      services: step.services,
      // The handshake step traces its own connection: it needs the running lab as a trace sees it.
      run: async (context) =>
        step.run({
          ...context,
          texts,
          lab: tracedLabOf(await requireRunningLab(step.services), step.services),
        }),
    })),
  };
}

// In a clone that has not run setup yet, the page is built here, once, from its sources.
function buildPageIfMissing(): void {
  if (existsSync(path.join(WEB_BUNDLE_DIR, "index.html"))) return;
  const script = path.join(SOCKLAB_ROOT, "scripts", "build-web.sh");
  if (!existsSync(script) || !existsSync(path.join(SOCKLAB_ROOT, "web", "vite.config.ts"))) return;
  process.stderr.write("socklab web: building the page (once)\n");
  const result = spawnSync("bash", [script], { cwd: SOCKLAB_ROOT, stdio: "inherit" });
  if (result.status !== 0)
    throw new SocklabError(
      "ERR_WEB_PAGE_MISSING",
      `building the page failed: bash scripts/build-web.sh exited ${result.status ?? -1}`,
    );
}

async function untilSignal(): Promise<void> {
  const signals: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
  await new Promise<void>((resolve) => {
    for (const signal of signals) process.once(signal, () => resolve());
  });
}
