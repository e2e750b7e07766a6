// Runs in a one-off workbench container on the lab network with a scratch volume at /scratch (sent
// as source text, so it imports only node: modules and, at run time, socklab's client in /app).
// One phase per run: `socklab` uploads and downloads a file through socklab's client (hash checked
// both ways); `nc-up` and `nc-down` move the same bytes through a raw nc pipe; `seeds-up` and
// `seeds-down` the seeds' way: sha256sum at the sender, nc, sha256sum at the receiver, compared.
// Prints one JSON line.
import { execFile, spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { once } from "node:events";
import { open, rm, stat } from "node:fs/promises";
import type * as ClientModule from "../../clients/file-transfer/file-transfer-client.ts";

/** What one run of the probe moves: socklab's client, or a reference tool's way. */
export type FileTransferPhase =
  | "socklab"
  | "nc-up"
  | "nc-up-synced"
  | "nc-down"
  | "nc-down-synced"
  | "nc-down-hashed"
  | "seeds-up"
  | "seeds-down";

interface Options {
  phase: FileTransferPhase;
  host: string;
  port: number;
  ncPort: number;
  sizeBytes: number;
}

export interface FileTransferProbeResult {
  /** SHA-256 of the source file alone (from the page cache): the client's share of an upload. */
  hashBytesPerSecond: number;
  uploadBytesPerSecond: number;
  /** socklab only: the seeds' order through socklab's client, the hash in the put's header. */
  uploadHashFirstBytesPerSecond: number;
  downloadBytesPerSecond: number;
  maxRssBytes: number;
}

const SOURCE = "/scratch/source.bin";
const DOWNLOADED = "/scratch/downloaded.bin";
// Compiled like the services (the Dockerfile's service-js stage): a .ts import would load the type stripper.
const CLIENT_MODULE = "/app/js/clients/file-transfer/file-transfer-client.js";
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

type PhaseResult = Omit<FileTransferProbeResult, "maxRssBytes">;
const NONE: PhaseResult = {
  hashBytesPerSecond: 0,
  uploadBytesPerSecond: 0,
  uploadHashFirstBytesPerSecond: 0,
  downloadBytesPerSecond: 0,
};

async function socklabPhase(): Promise<PhaseResult> {
  await writeSource();
  const { connectFileTransfer } = (await import(CLIENT_MODULE)) as typeof ClientModule;
  const client = await connectFileTransfer({ host: options.host, port: options.port });
  const uploadHashFirstBytesPerSecond = await timed(() =>
    client.put("bench-first.bin", SOURCE, { hashFirst: true }),
  );
  await client.delete("bench-first.bin");
  const uploadBytesPerSecond = await timed(() => client.put("bench.bin", SOURCE));
  const downloadBytesPerSecond = await timed(() => client.get("bench.bin", DOWNLOADED));
  await client.delete("bench.bin");
  await client.close();
  // After the transfers and outside the RSS samples: this hash's own buffers are not the client's.
  clearInterval(sampler);
  await rm(DOWNLOADED);
  const hashBytesPerSecond = await timed(hashSource);
  return {
    ...NONE,
    hashBytesPerSecond,
    uploadBytesPerSecond,
    uploadHashFirstBytesPerSecond,
    downloadBytesPerSecond,
  };
}

function sha256sum(path: string): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile("sha256sum", [path], (error, stdout) => {
      if (error === null) resolve(stdout.slice(0, 64));
      else reject(new Error(`sha256sum ${path} failed`, { cause: error }));
    }),
  );
}

/** What the far end's nc sends once it listens again: its sha256sum line. Polled: it listens only after its work. */
async function fetchLine(deadlineMs = 120_000): Promise<string> {
  const deadline = performance.now() + deadlineMs;
  for (;;) {
    const line = await new Promise<string>((resolve) =>
      execFile("nc", ["-d", options.host, String(options.ncPort)], (_error, stdout) =>
        resolve(stdout.trim()),
      ),
    );
    if (line !== "") return line.slice(0, 64);
    if (performance.now() > deadline) throw new Error(`no hash from ${options.host}:${options.ncPort}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** The seeds' upload: hash here, send with nc, the receiver hashes what it got and says its hash. */
async function seedsUp(): Promise<PhaseResult> {
  const uploadBytesPerSecond = await timed(async () => {
    const sent = await sha256sum(SOURCE);
    await nc(["-N", options.host, String(options.ncPort)], { input: SOURCE });
    const received = await fetchLine();
    if (received !== sent) throw new Error(`seeds' upload: sent ${sent}, the receiver hashed ${received}`);
  });
  return { ...NONE, uploadBytesPerSecond };
}

/** The seeds' download: the sender hashes (after a go), says its hash, sends with nc; hashed here. */
async function seedsDown(): Promise<PhaseResult> {
  const downloadBytesPerSecond = await timed(async () => {
    await nc(["-z", options.host, String(options.ncPort)], {});
    const announced = await fetchLine();
    await retry(() => nc(["-d", options.host, String(options.ncPort)], { output: DOWNLOADED }));
    const received = await sha256sum(DOWNLOADED);
    if (received !== announced)
      throw new Error(`seeds' download: announced ${announced}, received ${received}`);
  });
  await rm(DOWNLOADED);
  return { ...NONE, downloadBytesPerSecond };
}

/** nc exits 1 when its connection is refused: the far end's next nc is not listening yet. */
async function retry(action: () => Promise<void>, deadlineMs = 30_000): Promise<void> {
  const deadline = performance.now() + deadlineMs;
  for (;;) {
    try {
      return await action();
    } catch (error) {
      if (performance.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}

async function nc(
  args: string[],
  stdio: { input?: string; output?: string; pipeline?: string },
): Promise<void> {
  const redirect = `${stdio.input ? ` < ${stdio.input}` : ""}${stdio.output ? ` > ${stdio.output}` : ""}${stdio.pipeline ? ` ${stdio.pipeline}` : ""}`;
  const child = spawn("sh", ["-c", `timeout 300 nc ${args.join(" ")}${redirect}`], { stdio: "inherit" });
  const [code] = (await once(child, "exit")) as [number | null];
  if (code !== 0) throw new Error(`nc ${args.join(" ")} exited ${code ?? "on a signal"}`);
}

// SHA-256 of stdin in Node (the client's hash), printed: the seeds' sha256sum here lacks SHA extensions.
const HASH_STDIN = `node -e 'const h = require("node:crypto").createHash("sha256"); process.stdin.on("data", (d) => h.update(d)).on("end", () => console.log(h.digest("hex")))'`;

/** nc into a file, then more of socklab's work in other processes: a measured bound for its download. */
async function ncDownThen(pipeline: string): Promise<PhaseResult> {
  const downloadBytesPerSecond = await timed(() =>
    nc(["-d", options.host, String(options.ncPort)], { pipeline }),
  );
  const got = (await stat(DOWNLOADED)).size;
  if (got !== options.sizeBytes) throw new Error(`nc delivered ${got} of ${options.sizeBytes} bytes`);
  await rm(DOWNLOADED);
  return { ...NONE, downloadBytesPerSecond };
}

const PHASES: Record<Options["phase"], () => Promise<PhaseResult>> = {
  socklab: socklabPhase,
  "seeds-up": seedsUp,
  "seeds-down": seedsDown,
  // The far end fsyncs what it got, then says so on a second connection: the upload's fsync bound.
  "nc-up-synced": async () => {
    const uploadBytesPerSecond = await timed(async () => {
      await nc(["-N", options.host, String(options.ncPort)], { input: SOURCE });
      const said = await fetchLine();
      if (said !== "synced") throw new Error(`nc-up-synced: the far end said ${JSON.stringify(said)}`);
    });
    return { ...NONE, uploadBytesPerSecond };
  },
  "nc-up": async () => ({
    ...NONE,
    uploadBytesPerSecond: await timed(() =>
      nc(["-N", options.host, String(options.ncPort)], { input: SOURCE }),
    ),
  }),
  // The fsync socklab's download ends with; then the hash too, in its own process beside nc (tee).
  "nc-down-synced": () => ncDownThen(`> ${DOWNLOADED} && sync ${DOWNLOADED}`),
  "nc-down-hashed": () => ncDownThen(`| tee ${DOWNLOADED} | ${HASH_STDIN} > /dev/null && sync ${DOWNLOADED}`),
  "nc-down": async () => {
    const downloadBytesPerSecond = await timed(() =>
      nc(["-d", options.host, String(options.ncPort)], { output: DOWNLOADED }),
    );
    const got = (await stat(DOWNLOADED)).size;
    if (got !== options.sizeBytes) throw new Error(`nc delivered ${got} of ${options.sizeBytes} bytes`);
    return { ...NONE, downloadBytesPerSecond };
  },
};

let maxRssBytes = 0;
// Sampled from the start (the client's module loading included) until the transfers end.
const sampler = setInterval(() => (maxRssBytes = Math.max(maxRssBytes, process.memoryUsage.rss())), 100);
const result = await PHASES[options.phase]();
clearInterval(sampler);
process.stdout.write(`${JSON.stringify({ ...result, maxRssBytes })}\n`);
