// Runs in a one-off workbench container on the lab network with a scratch volume at /scratch (sent
// as source text, so it imports only node: modules and, at run time, socklab's client in /app).
// One phase per run: `socklab` uploads and downloads a file through socklab's client (hash checked
// both ways); `nc-up` and `nc-down` move the same bytes through a raw nc pipe. Prints one JSON line.
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { once } from "node:events";
import { open, rm, stat } from "node:fs/promises";
import type * as ClientModule from "../../clients/file-transfer/file-transfer-client.ts";

interface Options {
  phase: "socklab" | "nc-up" | "nc-down";
  host: string;
  port: number;
  ncPort: number;
  sizeBytes: number;
}

export interface FileTransferProbeResult {
  /** SHA-256 of the source file alone (from the page cache): the client's share of an upload. */
  hashBytesPerSecond: number;
  uploadBytesPerSecond: number;
  downloadBytesPerSecond: number;
  maxRssBytes: number;
}

const SOURCE = "/scratch/source.bin";
const DOWNLOADED = "/scratch/downloaded.bin";
const CLIENT_MODULE = "/app/clients/file-transfer/file-transfer-client.ts";
const options = JSON.parse(process.argv[1] ?? "{}") as Options;

// Random bytes repeated: cheap to write, and nothing on the path compresses or deduplicates them.
async function writeSource(): Promise<void> {
  const chunk = randomBytes(1024 * 1024);
  const file = await open(SOURCE, "w");
  for (let written = 0; written < options.sizeBytes; written += chunk.length) {
    await file.write(chunk, 0, Math.min(chunk.length, options.sizeBytes - written));
  }
  await file.close();
}

async function timed(action: () => Promise<unknown>): Promise<number> {
  const startMs = performance.now();
  await action();
  return (options.sizeBytes * 1000) / (performance.now() - startMs);
}

async function hashSource(): Promise<void> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(SOURCE, {
    highWaterMark: 1024 * 1024,
  }) as AsyncIterable<Buffer>) {
    hash.update(chunk);
  }
  hash.digest();
}

async function socklabPhase(): Promise<Omit<FileTransferProbeResult, "maxRssBytes">> {
  await writeSource();
  const hashBytesPerSecond = await timed(hashSource);
  const { connectFileTransfer } = (await import(CLIENT_MODULE)) as typeof ClientModule;
  const client = await connectFileTransfer({ host: options.host, port: options.port });
  const uploadBytesPerSecond = await timed(() => client.put("bench.bin", SOURCE));
  const downloadBytesPerSecond = await timed(() => client.get("bench.bin", DOWNLOADED));
  await client.delete("bench.bin");
  await client.close();
  await rm(DOWNLOADED);
  return { hashBytesPerSecond, uploadBytesPerSecond, downloadBytesPerSecond };
}

async function nc(args: string[], stdio: { input?: string; output?: string }): Promise<void> {
  const redirect = `${stdio.input ? ` < ${stdio.input}` : ""}${stdio.output ? ` > ${stdio.output}` : ""}`;
  const child = spawn("sh", ["-c", `timeout 300 nc ${args.join(" ")}${redirect}`], { stdio: "inherit" });
  const [code] = (await once(child, "exit")) as [number | null];
  if (code !== 0) throw new Error(`nc ${args.join(" ")} exited ${code ?? "on a signal"}`);
}

const PHASES: Record<Options["phase"], () => Promise<Omit<FileTransferProbeResult, "maxRssBytes">>> = {
  socklab: socklabPhase,
  "nc-up": async () => ({
    hashBytesPerSecond: 0,
    uploadBytesPerSecond: await timed(() =>
      nc(["-N", options.host, String(options.ncPort)], { input: SOURCE }),
    ),
    downloadBytesPerSecond: 0,
  }),
  "nc-down": async () => {
    const downloadBytesPerSecond = await timed(() =>
      nc(["-d", options.host, String(options.ncPort)], { output: DOWNLOADED }),
    );
    const got = (await stat(DOWNLOADED)).size;
    if (got !== options.sizeBytes) throw new Error(`nc delivered ${got} of ${options.sizeBytes} bytes`);
    return { hashBytesPerSecond: 0, uploadBytesPerSecond: 0, downloadBytesPerSecond };
  },
};

let maxRssBytes = 0;
const sampler = setInterval(() => (maxRssBytes = Math.max(maxRssBytes, process.memoryUsage.rss())), 100);
const result = await PHASES[options.phase]();
clearInterval(sampler);
process.stdout.write(`${JSON.stringify({ ...result, maxRssBytes })}\n`);
