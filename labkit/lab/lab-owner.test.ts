import { describe, expect, it } from "vitest";
import {
  FOREIGN_LAB_MAX_AGE_MS,
  isAbandonedLab,
  machineTag,
  ownerSegment,
  parseLabOwner,
  processAlive,
} from "./lab-owner.ts";

const PREFIX = "socklab-test-";
const NOW_MS = Date.parse("2026-12-06T20:00:00Z");
const here = machineTag();
const elsewhere = here === "000000" ? "111111" : "000000";

describe("the owner in a lab's project name", () => {
  it("writes the machine and the PID after the prefix, and reads them back", () => {
    const name = `${PREFIX}${ownerSegment({ machine: here, pid: 4121 })}a1b2c3d4`;
    expect(name).toMatch(/^socklab-test-[0-9a-f]{6}p4121-a1b2c3d4$/);
    expect(parseLabOwner(name, PREFIX)).toEqual({ machine: here, pid: 4121 });
    expect(ownerSegment()).toBe(`${here}p${process.pid}-`);
  });

  it("reads no owner from an older name, another prefix, or a cross-host name before the owner", () => {
    expect(parseLabOwner(`${PREFIX}a1b2c3d4`, PREFIX)).toBeUndefined();
    expect(parseLabOwner(`${PREFIX}xa1b2c3d4`, PREFIX)).toBeUndefined();
    expect(parseLabOwner(`other-${here}p12-a1b2c3d4`, PREFIX)).toBeUndefined();
  });

  it("tags a host name with six hex digits, the same each time", () => {
    expect(machineTag("ci-runner-7")).toMatch(/^[0-9a-f]{6}$/);
    expect(machineTag("ci-runner-7")).toBe(machineTag("ci-runner-7"));
    expect(machineTag("ci-runner-7")).not.toBe(machineTag("ci-runner-8"));
  });

  it("sees this process alive, and a PID past the kernel's maximum gone", () => {
    expect(processAlive(process.pid)).toBe(true);
    expect(processAlive(2 ** 22 + 1)).toBe(false);
  });
});

describe("isAbandonedLab", () => {
  const check = (alive: boolean, extra: { finishedPids?: number[]; createdAtMs?: number } = {}) => ({
    prefix: PREFIX,
    createdAtMs: extra.createdAtMs ?? NOW_MS - 60_000,
    nowMs: NOW_MS,
    alive: () => alive,
    ...(extra.finishedPids ? { finishedPids: extra.finishedPids } : {}),
  });

  it("keeps a lab whose owner runs on this machine, and sweeps it once the owner is gone", () => {
    const name = `${PREFIX}${here}p4121-a1b2c3d4`;
    expect(isAbandonedLab(name, check(true))).toBe(false);
    expect(isAbandonedLab(name, check(false))).toBe(true);
  });

  it("sweeps a lab of a running owner that the sweeping run names as finished", () => {
    const name = `${PREFIX}${here}p4121-a1b2c3d4`;
    expect(isAbandonedLab(name, check(true, { finishedPids: [4121] }))).toBe(true);
    expect(isAbandonedLab(name, check(true, { finishedPids: [4122] }))).toBe(false);
  });

  it("keeps another machine's lab for 12 hours, whatever runs here under its PID", () => {
    const name = `${PREFIX}${elsewhere}p4121-a1b2c3d4`;
    expect(isAbandonedLab(name, check(false))).toBe(false);
    const old = NOW_MS - FOREIGN_LAB_MAX_AGE_MS - 1;
    expect(isAbandonedLab(name, check(true, { createdAtMs: old }))).toBe(true);
  });

  it("sweeps a lab named without an owner (an earlier socklab's)", () => {
    expect(isAbandonedLab(`${PREFIX}a1b2c3d4`, check(true))).toBe(true);
  });
});
