import { describe, expect, it } from "vitest";
import {
  buildFaultSchedule,
  CROSS_HOST_KINDS,
  formatSchedule,
  parseSeed,
  SCHEDULE_SHAPE,
  SCHEDULED_KINDS,
  seededRandom,
} from "./fault-schedule.ts";

const SERVICES = ["tcp-echo", "udp-echo", "file-transfer", "chat"];
const HOUR_MS = 60 * 60_000;

describe("seededRandom", () => {
  it("gives the same numbers in [0, 1) for the same seed, and others for another", () => {
    const a = Array.from({ length: 5 }, seededRandom(42));
    const b = Array.from({ length: 5 }, seededRandom(42));
    const c = Array.from({ length: 5 }, seededRandom(43));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(a.every((x) => x >= 0 && x < 1)).toBe(true);
  });
});

describe("buildFaultSchedule", () => {
  it("is the same schedule for the same seed, and another for another seed", () => {
    const one = buildFaultSchedule({ seed: 7, durationMs: HOUR_MS, services: SERVICES });
    expect(buildFaultSchedule({ seed: 7, durationMs: HOUR_MS, services: SERVICES })).toEqual(one);
    expect(buildFaultSchedule({ seed: 8, durationMs: HOUR_MS, services: SERVICES })).not.toEqual(one);
  });

  it("strikes one fault at a time, after the warm-up, ending before the quiet tail", () => {
    for (const seed of [0, 1, 2, 99, 4_294_967_295]) {
      const schedule = buildFaultSchedule({ seed, durationMs: HOUR_MS, services: SERVICES });
      expect(schedule[0]?.atMs).toBe(SCHEDULE_SHAPE.firstAtMs);
      for (const [i, fault] of schedule.entries()) {
        const next = schedule[i + 1];
        const endMs = fault.atMs + fault.seconds * 1000;
        if (next) expect(next.atMs - endMs).toBeGreaterThanOrEqual(SCHEDULE_SHAPE.minGapMs);
        expect(endMs).toBeLessThanOrEqual(HOUR_MS - SCHEDULE_SHAPE.quietTailMs);
      }
    }
  });

  it("draws every kind once in each round, and meets every service with every kind it applies to", () => {
    const schedule = buildFaultSchedule({ seed: 3, durationMs: HOUR_MS, services: SERVICES });
    const roundLength = SCHEDULED_KINDS.length;
    for (let round = 0; round + roundLength <= schedule.length; round += roundLength) {
      const kinds = schedule.slice(round, round + roundLength).map((fault) => fault.kind);
      expect(new Set(kinds)).toEqual(new Set(SCHEDULED_KINDS));
    }
    const pairs = new Set(schedule.map((fault) => `${fault.kind} ${fault.service}`));
    for (const kind of SCHEDULED_KINDS)
      for (const service of SERVICES) {
        if ((kind === "reset" || kind === "cut") && service === "udp-echo")
          expect(pairs.has(`${kind} ${service}`)).toBe(false);
        else expect(pairs.has(`${kind} ${service}`)).toBe(true);
      }
  });

  it("holds a partition 10 s, a kill not at all, the others 10 to 25 s", () => {
    const schedule = buildFaultSchedule({ seed: 11, durationMs: HOUR_MS, services: SERVICES });
    for (const fault of schedule) {
      if (fault.kind === "partition") expect(fault.seconds).toBe(10);
      else if (fault.kind === "kill") expect(fault.seconds).toBe(0);
      else {
        expect(fault.seconds).toBeGreaterThanOrEqual(SCHEDULE_SHAPE.minHoldSeconds);
        expect(fault.seconds).toBeLessThanOrEqual(SCHEDULE_SHAPE.maxHoldSeconds);
      }
    }
  });

  it("across hosts, strikes every kind of one host and 10 s partitions of the underlay to the services' host", () => {
    const schedule = buildFaultSchedule({
      seed: 4,
      durationMs: HOUR_MS,
      services: SERVICES,
      kinds: CROSS_HOST_KINDS,
      servicesHost: "h2",
    });
    expect(new Set(schedule.map((fault) => fault.kind))).toEqual(new Set([...SCHEDULED_KINDS, "underlay"]));
    for (const fault of schedule.filter((struck) => struck.kind === "underlay"))
      expect(fault).toMatchObject({ service: "h2", seconds: 10 });
    const killed = new Set(schedule.filter((fault) => fault.kind === "kill").map((fault) => fault.service));
    expect(killed).toEqual(new Set(SERVICES));
  });

  it("plans nothing when the run is too short for a fault and its quiet tail", () => {
    expect(buildFaultSchedule({ seed: 1, durationMs: 60_000, services: SERVICES })).toEqual([]);
  });
});

describe("formatSchedule", () => {
  it("prints the seed and how to replay it, then each fault at its time", () => {
    const text = formatSchedule(5, [
      { atMs: 20_000, kind: "kill", service: "chat", seconds: 0 },
      { atMs: 95_000, kind: "partition", service: "tcp-echo", seconds: 10 },
    ]);
    expect(text.split("\n")).toEqual([
      "fault schedule, seed 5 (replay: --faults --seed 5), 2 faults:",
      "  0:20  SIGKILL of chat's server (its restart policy brings it back)",
      "  1:35  partition of tcp-echo from the workbench for 10 s",
    ]);
  });
});

describe("formatSchedule across hosts", () => {
  it("says to replay with --hosts", () => {
    expect(formatSchedule(9, [], "--faults --hosts")).toBe(
      "fault schedule, seed 9 (replay: --faults --hosts --seed 9), 0 faults:",
    );
  });
});

describe("parseSeed", () => {
  it("takes integers from 0 to 2^32 - 1 and nothing else", () => {
    expect(parseSeed("0")).toBe(0);
    expect(parseSeed("4294967295")).toBe(4_294_967_295);
    expect(parseSeed("4294967296")).toBeUndefined();
    expect(parseSeed("-1")).toBeUndefined();
    expect(parseSeed("1.5")).toBeUndefined();
    expect(parseSeed("abc")).toBeUndefined();
  });
});
