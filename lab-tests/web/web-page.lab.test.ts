// The live page in a real browser (Debian's chromium driven by playwright-core), against `socklab web`
// on a real lab: what it shows, what its buttons do to the lab, and what it leaves behind.
import type { ChildProcess } from "node:child_process";
import { spawnSync } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { chromium, type Browser, type Locator, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dockerClient } from "../../labkit/docker/docker-client.ts";
import { listFaults } from "../../labkit/fault/list-faults.ts";
import { FAULT_LABELS } from "../../labkit/fault/run-fault-helper.ts";
import { REPO_ROOT } from "../../labkit/lab/lab-project.ts";
import { startLab, type Lab } from "../../labkit/lab/start-lab.ts";
import { startPuppet } from "../../labkit/puppet/start-puppet.ts";
import { TRACE_HELPER_LABEL } from "../../labkit/trace/start-helper-container.ts";
import { waitFor } from "../../labkit/wait-for.ts";
import { spawnSocklab } from "../support/run-socklab.ts";

const SERVICES = ["chat", "file-transfer", "tcp-echo", "udp-echo", "workbench"];
const ECHO_PORT = 7;
const WAIT_MS = 15_000;
// Each read of the faults starts a helper per service: not more often than this.
const FAULT_POLL = { timeout: WAIT_MS, interval: 500 };
// The docs' pictures are written only when asked (npm run docs:screenshots), so a test run leaves
// the tree clean; otherwise they go to a temporary folder, taken all the same, removed at the end.
const WRITE_DOCS_SCREENSHOTS = process.env["SOCKLAB_WRITE_SCREENSHOTS"] === "1";
const SCREENSHOT_DIR = WRITE_DOCS_SCREENSHOTS
  ? path.join(REPO_ROOT, "docs", "images")
  : path.join(os.tmpdir(), `socklab-web-screenshots-${process.pid}`);

// Set by beforeAll; afterAll reads them as possibly unset, since beforeAll may have stopped midway.
let lab: Lab;
let web: ChildProcess;
let url: string;
let browser: Browser;
let page: Page;

/** Debian's chromium (setup.sh installs it), or the binary SOCKLAB_CHROMIUM names. */
function findChromium(): string {
  const named = process.env["SOCKLAB_CHROMIUM"];
  if (named) {
    if (!existsSync(named)) throw new Error(`SOCKLAB_CHROMIUM names ${named}, which does not exist`);
    return named;
  }
  const found = spawnSync("sh", ["-c", "command -v chromium"], { encoding: "utf8" }).stdout.trim();
  if (!found)
    throw new Error(
      "no chromium on PATH: the browser test of the live page needs one (bash scripts/setup.sh installs " +
        "Debian's chromium; elsewhere install Chromium or set SOCKLAB_CHROMIUM to its path)",
    );
  return found;
}

async function startWeb(): Promise<string> {
  web = spawnSocklab(lab, ["web", "--port", "0"]);
  let output = "";
  web.stdout?.setEncoding("utf8").on("data", (text: string) => (output += text));
  web.stderr?.setEncoding("utf8").on("data", (text: string) => (output += text));
  return waitFor(() => /serving (http:\/\/127\.0\.0\.1:\d+\/)/.exec(output)?.[1], {
    timeoutMs: 30_000,
    what: "socklab web to say where it serves",
    describeLast: () => output,
  });
}

/** Until the page's event stream is open (the header says "live"). */
async function connected(opened: Page): Promise<void> {
  await opened.locator("[data-testid=live].on").waitFor({ timeout: WAIT_MS });
}

async function openPage(): Promise<Page> {
  const opened = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await opened.goto(url);
  await connected(opened);
  return opened;
}

const faultsOfLab = async () =>
  (await listFaults({ projectName: lab.projectName })).filter((s) => s.faults.length > 0);

/** Containers of the engine that a page's trace or faults started for this lab, running or not. */
async function helpersOfLab(): Promise<string[]> {
  const labIds = new Set(SERVICES.map((service) => lab.containerId(service)));
  const all = await dockerClient().listContainers({ all: true });
  return all
    .filter(
      (c) =>
        c.Labels[TRACE_HELPER_LABEL] === lab.projectName ||
        c.Labels[FAULT_LABELS.project] === lab.projectName ||
        labIds.has(c.HostConfig.NetworkMode.replace(/^container:/, "")),
    )
    .map((c) => `${c.Names[0] ?? c.Id} (${c.Image}, ${c.State})`);
}

async function attributesOf(elements: Locator, name: string): Promise<string[]> {
  return Promise.all((await elements.all()).map(async (element) => (await element.getAttribute(name)) ?? ""));
}

async function screenshot(name: string): Promise<void> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `web-${name}.png`), fullPage: true });
}

/** The states the ladder shows at `lane` for one connection (its ports, when the ladder names them). */
async function ladderStates(lane: string, ports: string): Promise<string[]> {
  const texts = await page
    .locator(`[data-testid=ladder] text[data-kind=state][data-lane=${lane}]`)
    .allTextContents();
  return texts
    .filter((text) => !/ \d+>\d+$/.test(text) || text.endsWith(` ${ports}`))
    .map((text) => text.split(" ")[0]?.replace(/\?$/, "") ?? "");
}

async function socketState(service: string, local: string, remote: string): Promise<string | undefined> {
  const rows = page.locator(`table.socket-table[data-service=${service}] tbody tr`);
  for (const row of await rows.all()) {
    const cells = await row.locator("td").allTextContents();
    if (cells[1]?.endsWith(local) && cells[2]?.endsWith(remote)) return cells[3];
  }
  return undefined;
}

beforeAll(async () => {
  const executablePath = findChromium();
  lab = await startLab();
  const started = await Promise.all([startWeb(), chromium.launch({ executablePath })]);
  [url, browser] = started;
  page = await openPage();
});

afterAll(async () => {
  await (browser as Browser | undefined)?.close();
  const server = web as ChildProcess | undefined;
  if (server && server.exitCode === null) {
    server.kill("SIGTERM");
    await once(server, "exit");
  }
  await (lab as Lab | undefined)?.down();
  if (!WRITE_DOCS_SCREENSHOTS) await rm(SCREENSHOT_DIR, { recursive: true, force: true });
});

describe("socklab web in a browser", () => {
  it("shows the four services and the workbench in the topology", async () => {
    const boxes = page.locator("[data-testid=topology] g.container");
    await expect
      .poll(async () => (await attributesOf(boxes, "data-service")).sort(), {
        timeout: WAIT_MS,
      })
      .toEqual(SERVICES);
    await expect(page.locator("[data-testid=topology] .network text").first().textContent()).resolves.toMatch(
      /labnet/,
    );
  });

  it("shows a connection's states at both ends, and its handshake and close on the ladder", async () => {
    // The trace records only what happens after it is ready: the ladder appears then.
    await page.getByTestId("ladder").waitFor({ timeout: 30_000 });
    // As the trace suite, the page's trace reads states from the kernel (tracefs) on this machine kind.
    const source = await page.getByTestId("ladder-source").textContent();
    expect(source, "the page's trace did not record from the kernel").toMatch(/^states from the kernel/);
    await using puppet = await startPuppet("workbench", lab.containerId("workbench"));
    puppet.send({ op: "connect", host: "tcp-echo", port: ECHO_PORT });
    const { localPort } = await puppet.next("connected");
    const [client, server] = [`:${localPort}`, `:${ECHO_PORT}`];
    await expect
      .poll(() => socketState("workbench", client, server), { timeout: WAIT_MS })
      .toBe("ESTABLISHED");
    await expect
      .poll(() => socketState("tcp-echo", server, client), { timeout: WAIT_MS })
      .toBe("ESTABLISHED");
    puppet.send({ op: "writeText", text: "hello from the page's test\n" });
    await puppet.next("data");
    puppet.send({ op: "end" });
    await puppet.next("close");
    // The client closed first: it waits in TIME_WAIT, the server's socket is gone.
    await expect.poll(() => socketState("workbench", client, server), { timeout: WAIT_MS }).toBe("TIME_WAIT");
    await expect.poll(() => socketState("tcp-echo", server, client), { timeout: WAIT_MS }).toBeUndefined();

    const clientPorts = `${localPort}>${ECHO_PORT}`;
    const serverPorts = `${ECHO_PORT}>${localPort}`;
    await expect
      .poll(() => ladderStates("workbench", clientPorts), { timeout: WAIT_MS })
      .toEqual(["SYN_SENT", "ESTABLISHED", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT"]);
    await expect
      .poll(() => ladderStates("tcp-echo", serverPorts), { timeout: WAIT_MS })
      .toEqual(["SYN_RECV", "ESTABLISHED", "CLOSE_WAIT", "LAST_ACK", "CLOSE"]);
    const arrows = page.locator("[data-testid=ladder] g.ladder-send");
    const [froms, tos, labels] = await Promise.all(
      ["data-from", "data-to", "data-label"].map((name) => attributesOf(arrows, name)),
    );
    const sends = labels?.map((label, i) => `${froms?.[i] ?? ""}>${tos?.[i] ?? ""} ${label}`);
    expect(sends).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^workbench>tcp-echo \[S\] /),
        expect.stringMatching(/^tcp-echo>workbench \[S\.\] /),
        expect.stringMatching(/^workbench>tcp-echo \[F\.\] /),
        expect.stringMatching(/^tcp-echo>workbench \[F\.\] /),
      ]),
    );
    await screenshot("connection");
  });

  it("applies a fault from the page that the lab then has, and clears it from the page", async () => {
    await page.locator("select[name=kind]").selectOption("reset");
    await page.locator("select[name=service]").selectOption("tcp-echo");
    await page.locator("input[name=port]").fill(String(ECHO_PORT));
    await page.locator("input[name=seconds]").fill("120");
    await page.getByRole("button", { name: "Apply" }).click();
    await expect
      .poll(() => page.locator("[data-testid=faults] li[data-service=tcp-echo]").count(), {
        timeout: WAIT_MS,
      })
      .toBe(1);
    // From the lab's side: the kernel holds it, and a connection to the echo is refused.
    const [inForce] = await faultsOfLab();
    expect(inForce?.service).toBe("tcp-echo");
    expect(inForce?.faults.map((f) => f.description).join()).toMatch(/reset/);
    const refused = await lab.exec("workbench", ["sh", "-c", `echo hi | nc -N -w 3 tcp-echo ${ECHO_PORT}`]);
    expect(refused.exitCode).not.toBe(0);
    await expect
      .poll(() => page.locator("[data-testid=topology] g.container.faulted").getAttribute("data-service"), {
        timeout: WAIT_MS,
      })
      .toBe("tcp-echo");
    await screenshot("fault");

    await page.getByRole("button", { name: "Clear every fault" }).click();
    await expect.poll(faultsOfLab, FAULT_POLL).toEqual([]);
    await expect(lab.sh("workbench", `echo hi | nc -N -w 3 tcp-echo ${ECHO_PORT}`)).resolves.toBe("hi\n");
    await expect
      .poll(() => page.locator("[data-testid=faults] li[data-service]").count(), { timeout: WAIT_MS })
      .toBe(0);
  });

  it("refuses a request from a page of another origin", async () => {
    const post = await fetch(new URL("api/faults/clear", url), {
      method: "POST",
      headers: { "content-type": "application/json", origin: "http://elsewhere.example" },
      body: JSON.stringify({ pageId: "0" }),
    });
    expect(post.status).toBe(403);
    expect(await post.json()).toMatchObject({ error: { code: "ERR_WEB_FORBIDDEN" } });
    // The same request from the page's own origin passes that check (and is then refused for its pageId).
    const own = await fetch(new URL("api/faults/clear", url), {
      method: "POST",
      headers: { "content-type": "application/json", origin: new URL(url).origin },
      body: JSON.stringify({ pageId: "0" }),
    });
    expect([own.status, await own.json()]).toMatchObject([400, { error: { code: "ERR_WEB_BAD_REQUEST" } }]);
    const events = await fetch(new URL("events", url), { headers: { origin: "http://elsewhere.example" } });
    expect(events.status).toBe(403);
    await events.body?.cancel();
  });

  it("leaves no fault behind when the page reloads, and no fault or helper when it closes", async () => {
    const applyFromPage = async () => {
      await page.locator("select[name=kind]").selectOption("blackhole");
      await page.locator("select[name=service]").selectOption("udp-echo");
      await page.getByRole("button", { name: "Apply" }).click();
      await expect
        .poll(async () => (await faultsOfLab()).map((s) => s.service), FAULT_POLL)
        .toEqual(["udp-echo"]);
    };
    await applyFromPage();
    await page.reload();
    await expect.poll(faultsOfLab, FAULT_POLL).toEqual([]);

    await connected(page);
    await applyFromPage();
    expect(await helpersOfLab()).not.toEqual([]);
    await page.close();
    await expect.poll(faultsOfLab, FAULT_POLL).toEqual([]);
    await expect.poll(helpersOfLab, { timeout: WAIT_MS }).toEqual([]);
  });
});
