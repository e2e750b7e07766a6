import { describe, expect, it } from "vitest";
import type { FaultSoakProbeResult } from "../probes/fault-soak-probe.ts";
import type { SoakSample } from "../report/format-soak-markdown.ts";
import type { FileJudgement } from "./file-ledger.ts";
import type { ChatJudgement } from "./chat-ledger.ts";
import type { StruckFault } from "./run-fault-schedule.ts";
import {
  countLosses,
  faultSoakVerdict,
  formatFaultSoakMarkdown,
  judgeServiceMemory,
  unexpectedUnhealthy,
  type FaultSoakReport,
} from "./format-fault-soak-markdown.ts";

const MIB = 1024 * 1024;
const count = (ops: number) => ({ ops, bytes: ops * 1000, retries: 3, gaveUp: 1, losses: 0, hung: 0 });
const fileJudgement: FileJudgement = {
  names: 10,
  putsAcknowledged: 40,
  putsUncertain: 1,
  deletesAcknowledged: 8,
  reads: 58,
  listings: 170,
  lost: 0,
  partlyVisible: 0,
  firstProblems: [],
};
const chatJudgement: ChatJudgement = {
  sessions: 40,
  cutOffSessions: 20,
  sent: 3600,
  acknowledged: 3590,
  expectedDeliveries: 30_000,
  delivered: 30_000,
  lost: 0,
  missedWhileCutOff: 12,
  disorder: 0,
  firstProblems: [],
};

function load(): FaultSoakProbeResult {
  return {
    durationMs: 180_000,
    tcp: count(9000),
    udp: count(15_000),
    files: {
      ...count(40),
      resumedPuts: 2,
      resumedGets: 1,
      reconnects: 5,
      finalChecks: 10,
      ledger: fileJudgement,
    },
    chat: { reconnects: 20, ackStalls: 0, ledger: chatJudgement },
    firstGiveUps: ["tcp echo: gave up after 45000 ms; last: ECONNRESET: reset at 30000 ms"],
    firstLosses: [],
  };
}

// Readings every 15 s for 3 minutes; chat is killed at 60 s and back 5 s later, unhealthy at 60 s.
function samples(): SoakSample[] {
  return Array.from({ length: 13 }, (_, i) => {
    const atMs = i * 15_000;
    const restarted = atMs >= 60_000 ? 1 : 0;
    const reading = (health = "healthy") => ({ rssBytes: 80 * MIB, health, restarts: 0 });
    return {
      atMs,
      services: {
        "tcp-echo": reading(),
        chat: {
          ...reading(atMs === 60_000 ? "starting" : "healthy"),
          restarts: restarted,
          rssBytes: atMs === 60_000 ? Number.NaN : 80 * MIB,
        },
      },
    };
  });
}

function report(overrides: Partial<FaultSoakReport> = {}): FaultSoakReport {
  return {
    startedAt: "2026-12-06T16:00:00.000Z",
    minutes: 3,
    seed: 20,
    machine: {
      kernel: "6.1",
      cpuModel: "cpu",
      cores: 2,
      memoryGiB: 8,
      hostNode: "v24",
      workbenchNode: "v24",
      docker: "26",
      compose: "2.26",
    },
    schedule: [{ atMs: 60_000, kind: "kill", service: "chat", seconds: 0 }],
    struck: [
      {
        atMs: 60_000,
        kind: "kill",
        service: "chat",
        seconds: 0,
        description: "SIGKILL of chat's server (its restart policy brings it back)",
        struckAtMs: 59_500,
        ok: true,
        recoveredAfterMs: 5_000,
      },
    ],
    load: load(),
    samples: samples(),
    closeWaits: { "tcp-echo": 0, chat: 0 },
    ...overrides,
  };
}

describe("faultSoakVerdict", () => {
  it("passes a run with no loss, its kill's restart, and unhealthy only while restarting", () => {
    expect(faultSoakVerdict(report())).toEqual([]);
    expect(unexpectedUnhealthy(report(), "chat")).toBe(0);
  });

  it("fails on any loss, naming the first ones", () => {
    const lossy = load();
    lossy.chat.ledger = { ...chatJudgement, lost: 2 };
    lossy.files.losses = 1;
    lossy.firstLosses = ["read fsoak-0-1.bin: got absent, expected one of 10:aa"];
    expect(countLosses(lossy)).toBe(3);
    expect(faultSoakVerdict(report({ load: lossy }))[0]).toMatch(/^3 losses: read fsoak-0-1.bin/);
  });

  it("fails on a hang, a restart nobody scheduled, a fault that did not strike, and CLOSE_WAIT", () => {
    const hung = load();
    hung.udp.hung = 1;
    const unscheduled = samples().map((sample) => ({
      ...sample,
      services: { ...sample.services, "tcp-echo": { rssBytes: 80 * MIB, health: "healthy", restarts: 1 } },
    }));
    const failed = {
      ...(report().struck[0] as StruckFault),
      kind: "loss" as const,
      ok: false,
      error: "ERR_FAULT_CONFLICT: taken",
    };
    const failures = faultSoakVerdict(
      report({
        load: hung,
        samples: unscheduled,
        struck: [...report().struck, failed],
        closeWaits: { "tcp-echo": 2, chat: 0 },
      }),
    );
    expect(failures).toEqual(
      expect.arrayContaining([
        "1 operations hung past their deadline",
        expect.stringMatching(/^fault not struck at 1:00: .*ERR_FAULT_CONFLICT/),
        "tcp-echo restarted 1 times for 0 scheduled kills",
        "tcp-echo left 2 CLOSE_WAIT",
      ]),
    );
  });

  it("fails a run whose cut of file-transfer made no put resume, and passes it when one did", () => {
    const cut = { ...(report().struck[0] as StruckFault), kind: "cut" as const, service: "file-transfer" };
    const unresumed = load();
    unresumed.files.resumedPuts = 0;
    expect(faultSoakVerdict(report({ load: unresumed, struck: [...report().struck, cut] }))).toEqual([
      "a cut struck file-transfer but no put resumed from the server's partial",
    ]);
    expect(faultSoakVerdict(report({ struck: [...report().struck, cut] }))).toEqual([]);
    expect(faultSoakVerdict(report({ load: unresumed }))).toEqual([]);
  });

  it("fails a service unhealthy outside its restarts", () => {
    const sick = samples().map((sample) =>
      sample.atMs === 150_000
        ? {
            ...sample,
            services: {
              ...sample.services,
              chat: { ...(sample.services["chat"] as SoakSample["services"][string]), health: "unhealthy" },
            },
          }
        : sample,
    );
    expect(faultSoakVerdict(report({ samples: sick }))).toEqual([
      "chat not healthy in 1 readings outside its restarts",
    ]);
  });
});

describe("judgeServiceMemory", () => {
  // Ten minutes of readings every 15 s; chat killed at 4 min, its new process starting at 60 MiB.
  function killedAt4(rssAt: (second: number) => number): FaultSoakReport {
    const kill = { ...(report().struck[0] as StruckFault), struckAtMs: 240_000, atMs: 240_000 };
    const readings = Array.from({ length: 41 }, (_, i) => {
      const atMs = i * 15_000;
      return {
        atMs,
        services: {
          chat: { rssBytes: rssAt(atMs / 1000), health: "healthy", restarts: atMs >= 240_000 ? 1 : 0 },
        },
      };
    });
    return report({ minutes: 10, struck: [kill], samples: readings });
  }

  it("leaves out a killed server's new process while it warms up, as at the start of the run", () => {
    const warm = (since: number) => Math.min(100, 60 + since) * MIB;
    const judged = judgeServiceMemory(
      killedAt4((second) => (second < 240 ? warm(second) : warm(second - 240))),
      "chat",
    );
    expect(judged.flat).toBe(true);
    expect(judged.baselineBytes).toBe(100 * MIB);
  });

  it("still finds a floor that climbs across the kill", () => {
    const judged = judgeServiceMemory(
      killedAt4((second) => (80 + second / 10) * MIB),
      "chat",
    );
    expect(judged.flat).toBe(false);
  });
});

describe("formatFaultSoakMarkdown", () => {
  it("labels a run shorter than the hour, gives the seed to replay, and counts faults, retries and losses", () => {
    const markdown = formatFaultSoakMarkdown(report());
    expect(markdown).toContain(
      "## Soak with faults of 2026-12-06T16:00:00.000Z: 3 min, seed 20 (a short verification run, not the issue's 60-minute run)",
    );
    expect(markdown).toContain("Replay: `npm run soak -- --minutes 3 --faults --seed 20`. Verdict: passed.");
    expect(markdown).toContain("| 1:00 | kill | chat |");
    expect(markdown).toContain("healthy again after 5.0 s");
    expect(markdown).toContain("| tcp-echo | echoes of 0 to 256 KiB, compared | 9,000 | 3 | 1 | 0 | 0 |");
    expect(markdown).toContain("Losses in all: 0. Hung: 0.");
    expect(markdown).toContain("| chat | 80.0 MiB | 80.0 MiB | 80.0 MiB | yes | yes | 1 of 1 | 0 |");
  });

  it("does not call the hour a short run", () => {
    expect(formatFaultSoakMarkdown(report({ minutes: 60 }))).not.toContain("short verification run");
  });
});
