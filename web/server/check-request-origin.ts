import { isIP } from "node:net";

export interface OriginPolicy {
  /** The port the server listens on. */
  port: number;
  /** Host names (without port) besides loopback and IP literals that the page may be reached by. */
  allowedHostNames: readonly string[];
}

export interface RequestHeaders {
  method: string;
  host: string | undefined;
  origin: string | undefined;
}

const LOOPBACK_NAMES = ["localhost", "127.0.0.1", "[::1]"];

/**
 * Why a request must be refused, or undefined when it may be served. The Host header must name this
 * server by loopback, an IP literal or an allowed name (a DNS-rebinding page sends its own name);
 * an Origin, when sent, must be this same host (a page elsewhere cannot read events or post);
 * a request that changes something must carry one, as browsers do for every POST.
 */
export function refusalOf(request: RequestHeaders, policy: OriginPolicy): string | undefined {
  const host = request.host?.toLowerCase();
  if (!host) return "no Host header";
  if (!hostIsOurs(host, policy)) return `Host ${host} is not this server's`;
  if (request.origin === undefined) {
    return request.method === "GET" || request.method === "HEAD"
      ? undefined
      : `a ${request.method} without an Origin header`;
  }
  if (request.origin.toLowerCase() !== `http://${host}`)
    return `Origin ${request.origin} is not http://${host}`;
  return undefined;
}

function hostIsOurs(host: string, policy: OriginPolicy): boolean {
  const match = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::(\d+))?$/.exec(host);
  if (!match) return false;
  const name = match[1] ?? "";
  const port = Number(match[2] ?? 80);
  if (port !== policy.port) return false;
  if (LOOPBACK_NAMES.includes(name)) return true;
  // An address typed in the browser cannot be rebound by DNS; only names can.
  if (isIP(name.replace(/^\[|\]$/g, "")) !== 0) return true;
  return policy.allowedHostNames.map((n) => n.toLowerCase()).includes(name);
}
