import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { format, resolveConfig } from "prettier";
import { formatMarkdown, type BenchReport } from "./format-markdown.ts";

const START_MARKER = "<!-- bench:results:start -->";
const END_MARKER = "<!-- bench:results:end -->";

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
 * Writes the run as JSON (results/<date>.json) and puts its table between the markers of the
 * Markdown page, so that the page's hand-written explanations survive each run.
 */
export async function writeReport(report: BenchReport, paths: ReportPaths): Promise<string> {
  await mkdir(paths.resultsDir, { recursive: true });
  const jsonFile = path.join(paths.resultsDir, `${report.startedAt.slice(0, 10)}.json`);
  await writeFile(jsonFile, `${JSON.stringify(report, null, 2)}\n`);
  const page = await readFile(paths.markdownFile, "utf8").catch(() => DEFAULT_DOC);
  const updated = replaceBetweenMarkers(page, formatMarkdown(report));
  // Formatted as `prettier --check` wants it (aligned table columns), so the check stays green.
  const options = (await resolveConfig(paths.markdownFile)) ?? {};
  await writeFile(paths.markdownFile, await format(updated, { ...options, filepath: paths.markdownFile }));
  return jsonFile;
}

function replaceBetweenMarkers(page: string, section: string): string {
  const start = page.indexOf(START_MARKER);
  const end = page.indexOf(END_MARKER);
  const withMarkers =
    start >= 0 && end > start ? page : `${page.trimEnd()}\n\n${START_MARKER}\n${END_MARKER}\n`;
  const from = withMarkers.indexOf(START_MARKER) + START_MARKER.length;
  const to = withMarkers.indexOf(END_MARKER);
  return `${withMarkers.slice(0, from)}\n\n${section}\n${withMarkers.slice(to)}`;
}
