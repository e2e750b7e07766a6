import http from "node:http";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Fault } from "../../labkit/fault/apply-fault.ts";
import type { FaultSpec } from "../../labkit/fault/fault-spec.ts";
import type { TraceRecorder } from "../../labkit/trace/start-trace.ts";
import { waitFor } from "../../labkit/wait-for.ts";
import type { WebLab } from "./lab-feed.ts";
import { startWebServer, type WebServer } from "./start-web-server.ts";
import { WEB_LIMITS } from "./web-limits.ts";

// A lab of fakes: what the server does with pages, streams and requests is tested without Docker;
// the lab test (lab-tests/web) runs the same server on a real lab.
function fakeLab() {
  const record = { faultsApplied: [] as FaultSpec[], faultsCleared: 0, tracesStarted: 0, tracesStopped: 0 };
  const timeline = {
    statesSource: "kernel" as const,
    startedAt: new Date(0).toISOString(),
    ends: [],
    events: [],
  };
  const lab: WebLab = {
    projectName: "fake",
    readServices: () =>
      Promise.resolve([
        {
          service: "tcp-echo",
          container: "c1",
          state: "running",
          health: "healthy",
          addresses: ["10.0.0.2"],
          networks: ["fake_labnet"],
          ports: ["7/tcp"],
        },
      ]),
    readSockets: () => Promise.resolve({ name: "tcp-echo", entries: [], readAt: new Date() }),
    startTrace: () => {
      record.tracesStarted += 1;
      return Promise.resolve({
        timeline: () => timeline,
        stop: () => {
          record.tracesStopped += 1;
          return Promise.resolve(timeline);
        },
      } as unknown as TraceRecorder);
    },
    applyFault: (spec) => {
      record.faultsApplied.push(spec);
      const { promise: removed, resolve: settle } = Promise.withResolvers<undefined>();
      return Promise.resolve({
        id: "f1",
        service: spec.service,
        spec,
        description: spec.kind,
        expiresAt: new Date(Date.now() + 60_000),
        removed,
        clear: () => {
          record.faultsCleared += 1;
          settle(undefined);
          return Promise.resolve();
        },
      } as unknown as Fault);
    },
    clearFaults: () => Promise.resolve([]),
    listFaults: () => Promise.resolve([]),
    tourSteps: [],
  };
  return { lab, record };
}

interface Stream {
  events: { name: string; data: Record<string, unknown> }[];
  next(name: string): Promise<Record<string, unknown>>;
  close(): void;
}

function openStream(server: WebServer, headers: Record<string, string> = {}): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const request = http.get(`${server.url}events`, { headers }, (response) => {
      const events: Stream["events"] = [];
      let buffer = "";
      response.setEncoding("utf8").on("data", (text: string) => {
        buffer += text;
        for (let end = buffer.indexOf("\n\n"); end !== -1; end = buffer.indexOf("\n\n")) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const name = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (name && data) events.push({ name, data: JSON.parse(data) as Record<string, unknown> });
        }
      });
      resolve({
        events,
        next: (name) =>
          waitFor(() => events.find((e) => e.name === name)?.data, {
            timeoutMs: 5_000,
            pollMs: 10,
            what: `a ${name} event`,
          }),
        close: () => request.destroy(),
      });
    });
    request.on("error", reject);
  });
}

async function post(
  server: WebServer,
  pathname: string,
  body: unknown,
  headers: Record<string, string> = {},
) {
  const origin = server.url.replace(/\/$/, "");
  const response = await fetch(`${server.url}${pathname.replace(/^\//, "")}`, {
    method: "POST",
    headers: { "content-type": "application/json", origin, ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

let bundleDir: string;

beforeAll(async () => {
  bundleDir = await mkdtemp(path.join(os.tmpdir(), "socklab-web-"));
  await writeFile(path.join(bundleDir, "index.html"), "<!doctype html><title>socklab</title>");
});

afterAll(async () => {
  await rm(bundleDir, { recursive: true, force: true });
});

describe("the web server", () => {
  it("serves the page, and nothing outside its bundle", async () => {
    await using server = await startWebServer({ lab: fakeLab().lab, bundleDir, port: 0 });
    const page = await fetch(server.url);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/text\/html/);
    expect(await page.text()).toContain("socklab");
    expect((await fetch(`${server.url}..%2fpackage.json`)).status).toBe(404);
    expect((await fetch(`${server.url}assets/x.json`)).status).toBe(404);
  });

  it("says the page is not built when its bundle is missing", async () => {
    await expect(
      startWebServer({ lab: fakeLab().lab, bundleDir: path.join(bundleDir, "none"), port: 0 }),
    ).rejects.toMatchObject({ code: "ERR_WEB_PAGE_MISSING" });
  });

  it("says so when the port is taken", async () => {
    await using first = await startWebServer({ lab: fakeLab().lab, bundleDir, port: 0 });
    const error = await startWebServer({ lab: fakeLab().lab, bundleDir, port: first.port }).catch(
      (e: unknown) => e as Error & { code: string },
    );
    expect(error).toMatchObject({ code: "ERR_WEB_PORT_IN_USE" });
    expect((error as Error).message).toMatch(/is in use by another program: pick another with --port/);
  });

  it("refuses another host name (DNS rebinding) and posts from another origin", async () => {
    await using server = await startWebServer({ lab: fakeLab().lab, bundleDir, port: 0 });
    const rebound = await new Promise<number>((resolve, reject) =>
      http
        .get(server.url, { headers: { host: `attacker.example:${server.port}` } }, (r) => {
          r.resume();
          resolve(r.statusCode ?? 0);
        })
        .on("error", reject),
    );
    expect(rebound).toBe(403);
    const foreign = await post(
      server,
      "/api/faults/clear",
      { pageId: "0123456789abcdef" },
      { origin: "http://evil.example" },
    );
    expect(foreign).toMatchObject({ status: 403, body: { error: { code: "ERR_WEB_FORBIDDEN" } } });
  });

  it(`refuses a body above ${WEB_LIMITS.maxBodyBytes} bytes, counted in bytes, not characters`, async () => {
    await using server = await startWebServer({ lab: fakeLab().lab, bundleDir, port: 0 });
    // 2,100 two-byte characters: under the bound in characters, over it in bytes.
    const refused = await post(server, "/api/faults/clear", { pageId: "é".repeat(2_100) });
    expect(refused).toMatchObject({ status: 400, body: { error: { code: "ERR_WEB_BAD_REQUEST" } } });
    expect(JSON.stringify(refused.body)).toContain(`a body above ${WEB_LIMITS.maxBodyBytes} bytes`);
  });

  it(`opens at most ${WEB_LIMITS.maxPages} pages, and says so to the next one`, async () => {
    await using server = await startWebServer({ lab: fakeLab().lab, bundleDir, port: 0 });
    const streams = await Promise.all(Array.from({ length: WEB_LIMITS.maxPages }, () => openStream(server)));
    for (const stream of streams) await stream.next("hello");
    const extra = await openStream(server);
    expect(await extra.next("problem")).toMatchObject({ code: "ERR_WEB_TOO_MANY_PAGES" });
    for (const stream of [...streams, extra]) stream.close();
  });

  it("clears a page's faults when its stream closes, and stops the trace when no page is left", async () => {
    const { lab, record } = fakeLab();
    await using server = await startWebServer({ lab, bundleDir, port: 0 });
    const stream = await openStream(server);
    const { pageId } = (await stream.next("hello")) as { pageId: string };
    await stream.next("lab");
    const applied = await post(server, "/api/faults", {
      pageId,
      spec: { kind: "blackhole", service: "tcp-echo" },
    });
    expect(applied.status).toBe(200);
    expect(record.faultsApplied).toEqual([
      { kind: "blackhole", service: "tcp-echo", seconds: WEB_LIMITS.pageFaultMaxSeconds },
    ]);
    await waitFor(() => record.tracesStarted === 1 || undefined, {
      timeoutMs: 5_000,
      what: "the trace to start",
    });
    stream.close();
    await waitFor(() => (record.faultsCleared === 1 && record.tracesStopped === 1) || undefined, {
      timeoutMs: 5_000,
      what: "the page's fault cleared and the trace stopped",
    });
    expect(server.feed.pageCount).toBe(0);
  });

  it("refuses a fault for a page that is not open", async () => {
    const { lab, record } = fakeLab();
    await using server = await startWebServer({ lab, bundleDir, port: 0 });
    const reply = await post(server, "/api/faults", {
      pageId: "0123456789abcdef",
      spec: { kind: "blackhole", service: "tcp-echo" },
    });
    expect(reply).toMatchObject({ status: 400, body: { error: { code: "ERR_WEB_BAD_REQUEST" } } });
    expect(record.faultsApplied).toEqual([]);
  });
});
