import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createTransferProgress } from "./transfer-progress.ts";

const MIB = 1024 * 1024;
const ESC = "\u001b";
// CSI sequences (cursor moves, line clears) and the ESC 7 / ESC 8 cursor save and restore.
const ESCAPES = new RegExp(`${ESC}\\[[0-9;?]*[A-Za-z]|${ESC}[78]`, "g");

/** A stream that records what is written to it; `isTTY` decides which kind of progress it gets. */
function recordingStream(isTTY: boolean): { stream: NodeJS.WriteStream; text: () => string } {
  let text = "";
  const writable = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      text += chunk.toString("utf8");
      callback();
    },
  });
  Object.assign(writable, { isTTY, columns: 160, rows: 40 });
  return { stream: writable as unknown as NodeJS.WriteStream, text: () => text };
}

/** A clock the test moves by hand. */
function manualClock(): { nowMs: () => number; advance: (ms: number) => void } {
  let now = 1_000;
  return { nowMs: () => now, advance: (ms) => (now += ms) };
}

/** The bar as last drawn: each redraw starts at column 1 (ESC [1G). */
function lastDrawn(text: string): string {
  return (text.split("\x1b[1G").at(-1) ?? "").replace(ESCAPES, "").trim();
}

describe("createTransferProgress on a terminal", () => {
  it("draws a bar with the bytes moved, the rate since the start and the time left", () => {
    const { stream, text } = recordingStream(true);
    const clock = manualClock();
    const progress = createTransferProgress("put big.bin", stream, clock.nowMs);
    try {
      progress.update(0, 100 * MIB);
      clock.advance(2_000);
      progress.update(20 * MIB, 100 * MIB);
    } finally {
      progress.stop();
    }
    expect(lastDrawn(text())).toMatch(
      /^put big\.bin \[[█░]+\] 20% \| 20\.0\/100\.0 MiB \| 10\.0 MiB\/s \| ETA 8s$/,
    );
  });

  it("leaves bytes resumed from an earlier transfer out of the rate", () => {
    const { stream, text } = recordingStream(true);
    const clock = manualClock();
    const progress = createTransferProgress("get big.bin", stream, clock.nowMs);
    try {
      progress.update(50 * MIB, 100 * MIB);
      clock.advance(1_000);
      progress.update(60 * MIB, 100 * MIB);
    } finally {
      progress.stop();
    }
    expect(lastDrawn(text())).toContain("60% | 60.0/100.0 MiB | 10.0 MiB/s | ETA 4s");
  });

  it("says the rate and time left are unknown until bytes have moved", () => {
    const { stream, text } = recordingStream(true);
    const clock = manualClock();
    const progress = createTransferProgress("put f", stream, clock.nowMs);
    progress.update(0, 10 * MIB);
    expect(lastDrawn(text())).toContain("0% | 0.0/10.0 MiB | -- MiB/s | ETA --");
    clock.advance(3_000);
    progress.update(0, 10 * MIB);
    progress.stop();
    expect(lastDrawn(text())).toContain("0% | 0.0/10.0 MiB | 0.0 MiB/s | ETA --");
  });

  it.each([
    [2 * MIB, 1_000, 1_000 * MIB, "2.0 MiB/s | ETA 8m19s"],
    [3 * MIB, 10_000, 1_000 * MIB, "0.3 MiB/s | ETA 55m24s"],
    [MIB, 1_000, 10_000 * MIB, "1.0 MiB/s | ETA 2h46m"],
  ])(
    "writes the time left in minutes or hours when it is long (%i bytes in %i ms)",
    (done, ms, total, shown) => {
      const { stream, text } = recordingStream(true);
      const clock = manualClock();
      const progress = createTransferProgress("put slow", stream, clock.nowMs);
      progress.update(0, total);
      clock.advance(ms);
      progress.update(done, total);
      progress.stop();
      expect(lastDrawn(text())).toContain(shown);
    },
  );

  it("shows an empty file as complete", () => {
    const { stream, text } = recordingStream(true);
    const progress = createTransferProgress("put empty", stream, manualClock().nowMs);
    progress.update(0, 0);
    progress.stop();
    expect(lastDrawn(text())).toMatch(/\] 100% \| 0\.0\/0\.0 MiB \| .* \| ETA 0s$/);
  });

  it("hides the cursor while drawing and shows it again when stopped, on a new line", () => {
    const { stream, text } = recordingStream(true);
    const progress = createTransferProgress("put f", stream, manualClock().nowMs);
    progress.update(MIB, 2 * MIB);
    expect(text()).toContain("\x1b[?25l");
    expect(text()).not.toContain("\x1b[?25h");
    progress.stop();
    progress.stop();
    expect(text().split(`${ESC}[?25h`)).toHaveLength(2);
    expect(text().endsWith("\n")).toBe(true);
  });

  it("writes nothing when stopped before any progress", () => {
    const { stream, text } = recordingStream(true);
    createTransferProgress("put f", stream).stop();
    expect(text()).toBe("");
  });
});

describe("createTransferProgress elsewhere (a pipe, a log file)", () => {
  it("writes one plain line per 10 %, without control characters", () => {
    const { stream, text } = recordingStream(false);
    const progress = createTransferProgress("get f", stream);
    for (let done = 0; done <= 100 * MIB; done += MIB / 2) progress.update(done, 100 * MIB);
    progress.stop();
    const lines = text().trimEnd().split("\n");
    expect(lines).toHaveLength(11);
    expect(lines[0]).toBe(`get f: 0% (0 of ${100 * MIB} bytes)`);
    expect(lines[3]).toBe(`get f: 30% (${30 * MIB} of ${100 * MIB} bytes)`);
    expect(lines.at(-1)).toBe(`get f: 100% (${100 * MIB} of ${100 * MIB} bytes)`);
    expect(text()).not.toContain("\x1b");
  });

  it("starts at the percentage a resumed transfer starts from, then goes on in steps of 10", () => {
    const { stream, text } = recordingStream(false);
    const progress = createTransferProgress("put f", stream);
    for (const done of [35, 36, 39, 40, 41, 55, 100]) progress.update(done, 100);
    expect(text().trimEnd().split("\n")).toEqual([
      "put f: 35% (35 of 100 bytes)",
      "put f: 40% (40 of 100 bytes)",
      "put f: 55% (55 of 100 bytes)",
      "put f: 100% (100 of 100 bytes)",
    ]);
  });

  it("reports an empty file as 100 % at once", () => {
    const { stream, text } = recordingStream(false);
    createTransferProgress("put empty", stream).update(0, 0);
    expect(text()).toBe("put empty: 100% (0 of 0 bytes)\n");
  });
});
