import { SocklabError } from "../../protocol/socklab-error.ts";
import { FAULT_KINDS, FAULT_MAX_SECONDS, TCP_FLAGS, type FaultSpec } from "./fault-spec.ts";

// Kinds that act through the root queueing discipline: it takes every packet the service sends.
const QDISC_KINDS = new Set(["bandwidth", "delay", "duplicate", "reorder"]);

const isPercent = (value: number) => Number.isInteger(value) && value >= 0 && value <= 100;
const isPositiveInt = (value: number) => Number.isSafeInteger(value) && value >= 1;

/** The first thing wrong with `spec` against the lab's `services`, or undefined: a message for a person. */
export function findFaultSpecProblem(spec: FaultSpec, services: readonly string[]): string | undefined {
  const valid = `valid services: ${services.join(", ")}`;
  if (!FAULT_KINDS.includes(spec.kind))
    return `unknown fault kind ${spec.kind as string}; valid kinds: ${FAULT_KINDS.join(", ")}`;
  if (!services.includes(spec.service)) return `no running service ${spec.service} in the lab; ${valid}`;
  if (spec.peer !== undefined && !services.includes(spec.peer))
    return `no running service ${spec.peer} to be the peer; ${valid}`;
  if (spec.peer === spec.service) return `${spec.service} cannot be its own peer`;
  if (spec.port !== undefined && !(isPositiveInt(spec.port) && spec.port <= 65_535))
    return `port must be 1-65535, got ${spec.port}`;
  if (spec.seconds !== undefined && !(isPositiveInt(spec.seconds) && spec.seconds <= FAULT_MAX_SECONDS))
    return `seconds must be 1-${FAULT_MAX_SECONDS}, got ${spec.seconds}`;
  if (QDISC_KINDS.has(spec.kind) && (spec.port !== undefined || spec.peer !== undefined))
    return `${spec.kind} acts on everything ${spec.service} sends: it takes no port or peer`;
  return KIND_PROBLEMS[spec.kind](spec as never);
}

/** Throws ERR_FAULT_ARGUMENT (the CLI's exit 2) when `spec` is not something a fault can be. */
export function validateFaultSpec(spec: FaultSpec, services: readonly string[]): void {
  const problem = findFaultSpecProblem(spec, services);
  if (problem !== undefined) throw new SocklabError("ERR_FAULT_ARGUMENT", problem);
}

type KindCheck<K extends FaultSpec["kind"]> = (spec: Extract<FaultSpec, { kind: K }>) => string | undefined;

const KIND_PROBLEMS: { [K in FaultSpec["kind"]]: KindCheck<K> } = {
  loss: (s) => (isPercent(s.percent) ? undefined : `percent must be an integer 0-100, got ${s.percent}`),
  blackhole: () => undefined,
  reset: (s) =>
    s.afterBytes !== undefined && s.newOnly
      ? "reset takes --after-bytes or --new-only, not both"
      : s.afterBytes !== undefined && !isPositiveInt(s.afterBytes)
        ? `after-bytes must be a positive integer, got ${s.afterBytes}`
        : undefined,
  drop: (s) =>
    s.flags.length > 0 && s.flags.every((f) => TCP_FLAGS.includes(f))
      ? undefined
      : `flags must be some of ${TCP_FLAGS.join(", ")}, got ${s.flags.join(",") || "none"}`,
  partition: () => undefined,
  bandwidth: (s) =>
    isPositiveInt(s.rateKbitPerSecond)
      ? undefined
      : `rate must be at least 1 kbit/s, got ${s.rateKbitPerSecond}`,
  delay: (s) =>
    isPositiveInt(s.delayMs) && (s.jitterMs === undefined || isPositiveInt(s.jitterMs))
      ? undefined
      : `delay and jitter must be positive milliseconds, got ${s.delayMs} and ${s.jitterMs ?? "none"}`,
  duplicate: (s) => (isPercent(s.percent) ? undefined : `percent must be an integer 0-100, got ${s.percent}`),
  reorder: (s) =>
    isPercent(s.percent) && isPositiveInt(s.delayMs)
      ? undefined
      : `reorder needs a percent 0-100 and a delay in ms, got ${s.percent}% and ${s.delayMs} ms`,
};
