import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { format, resolveConfig } from "prettier";
import { formatMarkdown, type BenchReport } from "./format-markdown.ts";

const START_MARKER = markers("bench").start;
const END_MARKER = markers("bench").end;

// Each kind of run owns the part of the page between its own two markers.
function markers(section: ResultsSection): { start: string; end: string } {
  return { start: `<!-- ${section}:results:start -->`, end: `<!-- ${section}:results:end -->` };
}

const DEFAULT_DOC = `# Benchmarks

\`npm run bench\` starts a lab of its own and measures each service from the workbench, with the
reference tools measured in the same run on the same path. Between the markers below is the last run,
written by \`bench/main.ts\`; the rest of this page is kept as written.

${START_MARKER}
${END_MARKER}
`;

export interface ReportPaths {
  resultsDir: string;
  markdownFile: string;
}

/**
 * `bench` (npm run bench) writes results/<date>.json; `soak` (npm run soak) results/soak-<date>.json;
 * `fault-soak` (npm run soak -- --faults) results/fault-soak-<date>.json, and `cross-host-fault-soak`
 * (with --hosts) results/cross-host-fault-soak-<date>.json.
 */
export type ResultsSection = "bench" | "soak" | "fault-soak" | "cross-host-fault-soak";

/**
 * Writes the run as JSON (results/<date>.json) and puts its table between the markers of the
 * Markdown page, so that the page's hand-written explanations survive each run.
 */
export function writeReport(report: BenchReport, paths: ReportPaths): Promise<string> {
  return writeResults(report, formatMarkdown(report), report.startedAt, paths, "bench");
}

/** Writes one run's data as JSON and its Markdown between the page's markers for `section`. */
export async function writeResults(
  data: object,
  markdown: string,
  startedAt: string,
  paths: ReportPaths,
  section: ResultsSection,
): Promise<string> {
  await mkdir(paths.resultsDir, { recursive: true });
  const prefix = section === "bench" ? "" : `${section}-`;
  const jsonFile = path.join(paths.resultsDir, `${prefix}${startedAt.slice(0, 10)}.json`);
  await writeFile(jsonFile, `${JSON.stringify(data, null, 2)}\n`);
  const page = await readFile(paths.markdownFile, "utf8").catch(() => DEFAULT_DOC);
  const updated = replaceBetweenMarkers(page, markdown, markers(section));
  // Formatted as `prettier --check` wants it (aligned table columns), so the check stays green.
  const options = (await resolveConfig(paths.markdownFile)) ?? {};
  await writeFile(paths.markdownFile, await format(updated, { ...options, filepath: paths.markdownFile }));
  return jsonFile;
}

function replaceBetweenMarkers(
  page: string,
  section: string,
  { start: startMarker, end: endMarker }: { start: string; end: string },
): string {
  const start = page.indexOf(startMarker);
  const end = page.indexOf(endMarker);
  const withMarkers =
    start >= 0 && end > start ? page : `${page.trimEnd()}\n\n${startMarker}\n${endMarker}\n`;
  const from = withMarkers.indexOf(startMarker) + startMarker.length;
  const to = withMarkers.indexOf(endMarker);
  return `${withMarkers.slice(0, from)}\n\n${section}\n${withMarkers.slice(to)}`;
}
