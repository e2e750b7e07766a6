import { FAULT_KINDS, TCP_FLAGS, type FaultSpec } from "../../labkit/fault/fault-spec.ts";
import { SocklabError } from "../../protocol/socklab-error.ts";
import { WEB_LIMITS } from "./web-limits.ts";

export interface FaultRequest {
  pageId: string;
  spec: FaultSpec;
}

export interface ClearRequest {
  pageId: string;
  service?: string;
}

export interface TourRequest {
  pageId: string;
}

// The fields a FaultSpec may have, with the type each must be: anything else in a body is dropped.
const NUMBER_FIELDS = [
  "percent",
  "port",
  "afterBytes",
  "rateKbitPerSecond",
  "delayMs",
  "jitterMs",
  "seconds",
];
const STRING_FIELDS = ["peer", "direction"];

/** The page's JSON body as an object, or ERR_WEB_BAD_REQUEST. */
export function parseJsonBody(text: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new SocklabError("ERR_WEB_BAD_REQUEST", `the body is not JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new SocklabError("ERR_WEB_BAD_REQUEST", "the body must be a JSON object");
  return parsed as Record<string, unknown>;
}

function pageIdOf(body: Record<string, unknown>): string {
  const pageId = body["pageId"];
  if (typeof pageId !== "string" || !/^[0-9a-f]{16}$/.test(pageId))
    throw new SocklabError("ERR_WEB_BAD_REQUEST", "pageId must be the id the event stream gave");
  return pageId;
}

/**
 * A fault request from the page: its fields copied by type, the seconds bounded by the page's
 * limit; what a fault may be is then checked by applyFault itself, as for the CLI.
 */
export function parseFaultRequest(body: Record<string, unknown>): FaultRequest {
  const raw = body["spec"];
  if (typeof raw !== "object" || raw === null)
    throw new SocklabError("ERR_WEB_BAD_REQUEST", "spec must be an object");
  const fields = raw as Record<string, unknown>;
  const kind = fields["kind"];
  if (typeof kind !== "string" || !(FAULT_KINDS as readonly string[]).includes(kind))
    throw new SocklabError("ERR_WEB_BAD_REQUEST", `kind must be one of ${FAULT_KINDS.join(", ")}`);
  const service = fields["service"];
  if (typeof service !== "string") throw new SocklabError("ERR_WEB_BAD_REQUEST", "service must be a string");
  const spec: Record<string, unknown> = { kind, service };
  for (const name of NUMBER_FIELDS) copyTyped(fields, spec, name, "number");
  for (const name of STRING_FIELDS) copyTyped(fields, spec, name, "string");
  if (fields["newOnly"] === true) spec["newOnly"] = true;
  if (fields["flags"] !== undefined) spec["flags"] = flagsOf(fields["flags"]);
  const seconds = typeof spec["seconds"] === "number" ? spec["seconds"] : WEB_LIMITS.pageFaultMaxSeconds;
  spec["seconds"] = Math.min(seconds, WEB_LIMITS.pageFaultMaxSeconds);
  return { pageId: pageIdOf(body), spec: spec as unknown as FaultSpec };
}

export function parseClearRequest(body: Record<string, unknown>): ClearRequest {
  const service = body["service"];
  if (service !== undefined && typeof service !== "string")
    throw new SocklabError("ERR_WEB_BAD_REQUEST", "service must be a string");
  return { pageId: pageIdOf(body), ...(service !== undefined ? { service } : {}) };
}

export function parseTourRequest(body: Record<string, unknown>): TourRequest {
  return { pageId: pageIdOf(body) };
}

function copyTyped(
  from: Record<string, unknown>,
  to: Record<string, unknown>,
  name: string,
  type: "number" | "string",
): void {
  const value = from[name];
  if (value === undefined || value === null || value === "") return;
  if (typeof value !== type) throw new SocklabError("ERR_WEB_BAD_REQUEST", `${name} must be a ${type}`);
  to[name] = value;
}

function flagsOf(value: unknown): string[] {
  if (!Array.isArray(value) || !value.every((f) => (TCP_FLAGS as readonly unknown[]).includes(f)))
    throw new SocklabError("ERR_WEB_BAD_REQUEST", `flags must be some of ${TCP_FLAGS.join(", ")}`);
  return value as string[];
}
