import { rm } from "node:fs/promises";
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, type TestContext } from "vitest";
import { REPO_ROOT } from "../../labkit/lab/lab-project.ts";
import {
  startEvidenceRecorder,
  type EvidenceRecorder,
  type EvidenceRecorderOptions,
} from "../../labkit/trace/start-evidence-recorder.ts";
import type { TracedLab } from "../../labkit/trace/start-trace.ts";

/** How the line that names a failed test's evidence folder starts, in its output and JUnit <system-out>. */
export const EVIDENCE_LINE = "socklab-evidence:";

/** Where evidence folders go: SOCKLAB_EVIDENCE_DIR, or lab-evidence/ in the repository (git-ignored). */
export function evidenceRoot(): string {
  return path.resolve(process.env["SOCKLAB_EVIDENCE_DIR"] ?? path.join(REPO_ROOT, "lab-evidence"));
}

/**
 * Records the file's lab all through its tests (one trace of `options.services`, started once)
 * and, when a test fails, writes the ladder, both ends' tables and the pcap of its last
 * connections to lab-evidence/<file>/<test>/, names that folder in each of the test's failure
 * messages, and prints it as the test's output line `socklab-evidence: <folder>` (JUnit <system-out>).
 * Call it after the beforeAll that starts the lab; its afterAll stops the trace before the lab goes.
 */
export function recordFailureEvidence(lab: () => TracedLab, options: EvidenceRecorderOptions): void {
  let recorder: EvidenceRecorder | undefined;
  beforeAll(async () => {
    // Evidence is for reading a failure: a lab where it cannot be recorded still runs its tests.
    recorder = await startEvidenceRecorder(lab(), options).catch((error: unknown) => {
      console.warn(`socklab evidence: not recorded in this file: ${(error as Error).message}`);
      return undefined;
    });
  });
  beforeEach(() => {
    recorder?.mark();
  });
  afterEach(async (context) => {
    const result = context.task.result;
    if (!recorder || result?.state !== "fail") return;
    const folder = evidenceFolder(context);
    await rm(folder, { recursive: true, force: true });
    await recorder.write(folder);
    const shown = path.relative(process.cwd(), folder).startsWith("..")
      ? folder
      : path.relative(process.cwd(), folder);
    for (const error of result.errors ?? []) {
      error.message = `${error.message}\nevidence (ladder, socket tables, pcap): ${shown}`;
    }
    // A failed test can no longer annotate itself: a line of its output (JUnit <system-out>) names it.
    console.log(`${EVIDENCE_LINE} ${folder}`);
  });
  afterAll(async () => {
    await recorder?.stop();
  });
}

function evidenceFolder(context: TestContext): string {
  const file = context.task.file.filepath;
  const underTests = path.relative(path.join(REPO_ROOT, "lab-tests"), file);
  const fileName = (underTests.startsWith("..") ? path.basename(file) : underTests).replace(
    /\.(lab\.)?test\.ts$|\.ts$/,
    "",
  );
  return path.join(evidenceRoot(), fileName, slug(titleOf(context.task)));
}

/** The test's name under its describe blocks, without the file's. */
function titleOf(task: TestContext["task"]): string {
  const names = [task.name];
  for (let suite = task.suite; suite && !("filepath" in suite); suite = suite.suite)
    names.unshift(suite.name);
  return names.join(" ");
}

function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "")
    .slice(0, 100);
}
