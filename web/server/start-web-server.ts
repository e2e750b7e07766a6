import { once } from "node:events";
import { existsSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { SocklabError } from "../../protocol/socklab-error.ts";
import { refusalOf } from "./check-request-origin.ts";
import { LabFeed, problemOf, type WebLab } from "./lab-feed.ts";
import type { PageEventName, PageEvents } from "./page-events.ts";
import {
  parseClearRequest,
  parseFaultRequest,
  parseJsonBody,
  parseTourRequest,
} from "./parse-page-request.ts";
import { readPageFile } from "./serve-page-file.ts";
import { WEB_LIMITS } from "./web-limits.ts";

export interface WebServerOptions {
  lab: WebLab;
  /** Where the built page is (index.html and assets/). */
  bundleDir: string;
  /** 127.0.0.1 by default; 0.0.0.0 or an address exposes the page to other machines. */
  host?: string;
  /** 0 picks a free port. */
  port: number;
  /** Host names besides loopback and IP literals the page may be opened by (--allow-host). */
  allowedHostNames?: readonly string[];
}

export interface WebServer extends AsyncDisposable {
  readonly url: string;
  readonly port: number;
  readonly feed: LabFeed;
  close(): Promise<void>;
}

const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  ERR_WEB_FORBIDDEN: 403,
  ERR_WEB_BAD_REQUEST: 400,
  ERR_FAULT_ARGUMENT: 400,
  ERR_FAULT_CONFLICT: 409,
  ERR_WEB_BUSY: 409,
  ERR_WEB_TOO_MANY_PAGES: 429,
  ERR_LAB_DOWN: 503,
};
// Comments on an idle stream keep proxies and the browser from closing it.
const KEEPALIVE_MS = 15_000;

/** Serves the live page of the lab and its event stream; resolves once listening. */
export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  if (!existsSync(path.join(options.bundleDir, "index.html")))
    throw new SocklabError(
      "ERR_WEB_PAGE_MISSING",
      `the page is not built (no index.html in ${options.bundleDir}): run \`npm run setup\` or \`npm run build:web\``,
    );
  const host = options.host ?? "127.0.0.1";
  const feed = new LabFeed(options.lab);
  const policy = { port: options.port, allowedHostNames: options.allowedHostNames ?? [] };
  const server = http.createServer((request, response) => {
    void handle(request, response).catch((error: unknown) => sendError(response, error));
  });

  async function handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const refusal = refusalOf(
      { method: request.method ?? "GET", host: request.headers.host, origin: request.headers.origin },
      policy,
    );
    if (refusal) throw new SocklabError("ERR_WEB_FORBIDDEN", `refused: ${refusal}`);
    const url = new URL(request.url ?? "/", "http://page.invalid");
    if (request.method === "GET" && url.pathname === "/events") return openStream(request, response);
    if (request.method === "POST") return post(url.pathname, await readBody(request), response);
    if (request.method !== "GET")
      throw new SocklabError("ERR_WEB_BAD_REQUEST", `no ${request.method ?? ""} here`);
    const file = await readPageFile(options.bundleDir, url.pathname);
    if (!file) {
      response.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
      return;
    }
    response
      .writeHead(200, {
        "content-type": file.contentType,
        "x-content-type-options": "nosniff",
        "content-security-policy":
          "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:",
        "cache-control": "no-cache",
      })
      .end(file.body);
  }

  async function openStream(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const write = <N extends PageEventName>(name: N, data: PageEvents[N]) => {
      response.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    let pageId: string | undefined;
    const keepalive = setInterval(() => response.write(": keepalive\n\n"), KEEPALIVE_MS);
    request.socket.on("close", () => {
      clearInterval(keepalive);
      if (pageId) void feed.closePage(pageId);
    });
    response.writeHead(200, {
      "content-type": "text/event-stream",
      "cache-control": "no-cache",
      connection: "keep-alive",
    });
    try {
      pageId = await feed.openPage(write);
    } catch (error) {
      // Said on the stream, where the page reads it (an EventSource sees no error bodies).
      clearInterval(keepalive);
      write("problem", problemOf(error));
      response.end();
      return;
    }
    // The stream may have closed while the page was being opened.
    if (request.socket.destroyed) await feed.closePage(pageId);
  }

  async function post(pathname: string, body: string, response: http.ServerResponse): Promise<void> {
    const json = parseJsonBody(body);
    if (pathname === "/api/faults") {
      const { pageId, spec } = parseFaultRequest(json);
      const fault = await feed.applyFault(pageId, spec);
      return sendJson(response, 200, {
        description: fault.description,
        service: fault.service,
        expiresAt: fault.expiresAt.toISOString(),
      });
    }
    if (pathname === "/api/faults/clear") {
      const { pageId, service } = parseClearRequest(json);
      await feed.clearFaults(pageId, service);
      return sendJson(response, 200, { cleared: service ?? "all" });
    }
    const step = /^\/api\/tour\/([a-z]+)$/.exec(pathname)?.[1];
    if (step) {
      await feed.runTourStep(parseTourRequest(json).pageId, step);
      return sendJson(response, 202, { started: step });
    }
    throw new SocklabError("ERR_WEB_BAD_REQUEST", `no POST ${pathname}`);
  }

  await listen(server, host, options.port);
  const port = (server.address() as AddressInfo).port;
  policy.port = port;
  const shownHost = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host;
  const url = `http://${shownHost.includes(":") ? `[${shownHost}]` : shownHost}:${port}/`;
  const close = async () => {
    server.closeAllConnections();
    server.close();
    await feed.close();
  };
  return { url, port, feed, close, [Symbol.asyncDispose]: close };
}

async function listen(server: http.Server, host: string, port: number): Promise<void> {
  server.listen(port, host);
  try {
    await once(server, "listening");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === "EADDRINUSE"
        ? "is in use by another program: pick another with --port"
        : code === "EACCES"
          ? "needs privileges: pick a port above 1023 with --port"
          : `cannot be listened on (${code ?? (error as Error).message}): check --host`;
    throw new SocklabError("ERR_WEB_PORT_IN_USE", `${host}:${port} ${why}`, { cause: error });
  }
}

async function readBody(request: http.IncomingMessage): Promise<string> {
  if (!(request.headers["content-type"] ?? "").startsWith("application/json"))
    throw new SocklabError("ERR_WEB_BAD_REQUEST", "a POST body must be application/json");
  // Counted in bytes and decoded once at the end, so a character split between chunks stays whole.
  const chunks: Buffer[] = [];
  let bodyBytes = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    bodyBytes += chunk.byteLength;
    if (bodyBytes > WEB_LIMITS.maxBodyBytes)
      throw new SocklabError("ERR_WEB_BAD_REQUEST", `a body above ${WEB_LIMITS.maxBodyBytes} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function sendJson(response: http.ServerResponse, status: number, data: unknown): void {
  response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(data));
}

function sendError(response: http.ServerResponse, error: unknown): void {
  const problem = problemOf(error);
  if (response.headersSent) {
    response.end();
    return;
  }
  sendJson(response, STATUS_BY_CODE[problem.code] ?? 500, { error: problem });
}
