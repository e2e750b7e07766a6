import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { SocklabError } from "../../protocol/socklab-error.ts";
import { formatSocketTable } from "../socket-table/format-socket-table.ts";
import { readContainerTable } from "../socket-table/wait-for-socket.ts";
import { renderLadderSvg } from "./render-ladder-svg.ts";
import { renderLadderText } from "./render-ladder-text.ts";
import type { TracedLab, TraceRecorder } from "./start-trace.ts";
import type { Timeline } from "./trace-event.ts";

/** Where evidence folders go unless told otherwise (git-ignored, as the lab tests' own are). */
export const EVIDENCE_ROOT = "lab-evidence";

/** The files one evidence folder holds, by kind. */
export interface EvidenceFiles {
  ladderText: string;
  ladderSvg: string;
  tables: string;
  timeline: string;
  pcaps: string[];
}

/**
 * Writes what a trace saw into `folder`: the ladder (ladder.txt, ladder.svg), the timeline as JSON
 * lines, each traced service's socket table as it is now, and each capture kept (`keepPcap`).
 */
export async function writeTraceEvidence(
  lab: TracedLab,
  trace: TraceRecorder,
  folder: string,
): Promise<string> {
  const timeline = await trace.stop();
  await writeEvidenceFolder(lab, folder, timeline, (service) => trace.pcap(service));
  return folder;
}

/** Writes `timeline`'s ladder and events, its ends' socket tables read now, and each end's capture. */
export async function writeEvidenceFolder(
  lab: TracedLab,
  folder: string,
  timeline: Timeline,
  pcapOf: (service: string) => Uint8Array | undefined,
): Promise<EvidenceFiles> {
  await mkdir(folder, { recursive: true });
  const tables = await Promise.all(
    timeline.ends.map((end) => readContainerTable(lab.container(end.service))),
  );
  const pcaps = timeline.ends.flatMap(({ service }): [string, Uint8Array][] => {
    const pcap = pcapOf(service);
    return pcap && pcap.byteLength > 0 ? [[`${service}.pcap`, pcap]] : [];
  });
  const files: [string, string | Uint8Array][] = [
    ["ladder.txt", renderLadderText(timeline)],
    ["ladder.svg", renderLadderSvg(timeline)],
    ["timeline.jsonl", timeline.events.map((event) => `${JSON.stringify(event)}\n`).join("")],
    ["tables.txt", tables.map((t) => formatSocketTable(t.entries, { title: t.name })).join("\n\n") + "\n"],
    ...pcaps,
  ];
  await Promise.all(files.map(([name, content]) => writeFile(path.join(folder, name), content)));
  const at = (name: string) => path.join(folder, name);
  return {
    ladderText: at("ladder.txt"),
    ladderSvg: at("ladder.svg"),
    tables: at("tables.txt"),
    timeline: at("timeline.jsonl"),
    pcaps: pcaps.map(([name]) => at(name)),
  };
}

/**
 * Runs `body`; if it throws, writes the trace's evidence to a folder named after `name` and
 * throws again with the folder named in the message (the original error is the cause).
 */
export async function withTraceEvidence<T>(
  lab: TracedLab,
  trace: TraceRecorder,
  name: string,
  body: () => Promise<T>,
  root = EVIDENCE_ROOT,
): Promise<T> {
  try {
    return await body();
  } catch (error) {
    const folder = path.resolve(root, `${name.replace(/[^\w.-]+/g, "-")}-${Date.now()}`);
    await writeTraceEvidence(lab, trace, folder);
    const message = error instanceof Error ? error.message : String(error);
    throw new SocklabError(
      "ERR_TRACE_EVIDENCE",
      `${message}\ntrace evidence (ladder, tables, pcap) in ${folder}`,
      {
        cause: error,
      },
    );
  }
}
