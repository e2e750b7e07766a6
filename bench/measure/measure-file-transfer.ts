import { COMPOSE_PROJECT_LABEL } from "../../labkit/lab/lab-project.ts";
import type { Lab } from "../../labkit/lab/start-lab.ts";
import { runDocker } from "../docker/run-docker.ts";
import { runOneOff } from "../docker/run-one-off.ts";
import { benchContainerFlags, startHelper, WORKBENCH_IMAGE } from "../docker/start-helper.ts";
import type { FileTransferPhase as Phase, FileTransferProbeResult } from "../probes/file-transfer-probe.ts";
import { parseProbeOutput, probeCommand } from "../probes/run-probe.ts";
import type { BenchRow } from "../report/bench-row.ts";
import { BENCH_SETTINGS } from "./bench-settings.ts";
import { findServicePid, readRssBytes } from "./find-service-pid.ts";

const { fileTransfer } = BENCH_SETTINGS;
const GB = 1e9;
const MIB = 2 ** 20;
const RSS_SAMPLE_MS = 500;

const SEEDS = "nc + sha256sum";
const PORT = fileTransfer.ncPort;
// The upload's fsync bound: receive, fsync the file, then say so over a second connection.
const NC_SYNCED_RECEIVER = `nc -l -p ${PORT} > /data/nc-bench.bin && sync /data/nc-bench.bin && echo synced | nc -N -l -p ${PORT}`;
// The far end of the seeds' way: hash after receiving and say it; or hash (after a go) and say it, then send.
const SEEDS_RECEIVER = `nc -l -p ${PORT} > /data/seeds-bench.bin && sha256sum /data/seeds-bench.bin | nc -N -l -p ${PORT}`;
const SEEDS_SENDER = `nc -l -p ${PORT} > /dev/null && sha256sum /data/seeds-bench.bin | nc -N -l -p ${PORT} && nc -N -l -p ${PORT} < /data/seeds-bench.bin`;

/**
 * A 1 GiB upload and download through socklab's client (SHA-256 checked both ways, fsynced, stored
 * on the service's volume), next to a raw nc pipe of the same bytes into and out of the same volume,
 * and next to the seeds' way (sha256sum at the sender, nc, sha256sum at the receiver). The client
 * runs in a one-off workbench container with a scratch volume: the workbench's /tmp is memory, too
 * small for the file. RSS of both ends is sampled throughout.
 */
export async function measureFileTransfer(lab: Lab): Promise<BenchRow[]> {
  const scratch = `${lab.projectName}_bench-scratch`;
  await runDocker(["volume", "create", "--label", `${COMPOSE_PROJECT_LABEL}=${lab.projectName}`, scratch]);
  try {
    const pid = await findServicePid(lab, "file-transfer");
    // What the container really runs (its image tag is shared by every checkout on the engine): PID 1,
    // docker-init, holds the command, since the server's own cmdline is overwritten by its title.
    const serverCommand = (await lab.sh("file-transfer", `tr '\\0' ' ' < /proc/1/cmdline`)).trim();
    const serverIdleRssBytes = await readRssBytes(lab, "file-transfer", pid);
    let serverMaxRssBytes = 0;
    const sampler = setInterval(() => {
      void readRssBytes(lab, "file-transfer", pid).then(
        (rss) => (serverMaxRssBytes = Math.max(serverMaxRssBytes, rss)),
        () => undefined,
      );
    }, RSS_SAMPLE_MS);
    const socklab = await runPhase(lab, scratch, "socklab").finally(() => clearInterval(sampler));
    const ncUp = await ncPhase(lab, scratch, "nc-up", `nc -l -p ${PORT} > /data/nc-bench.bin`);
    const ncUpSynced = await ncPhase(lab, scratch, "nc-up-synced", NC_SYNCED_RECEIVER);
    const ncSender = `nc -N -l -p ${PORT} < /data/nc-bench.bin`;
    const ncDown = await ncPhase(lab, scratch, "nc-down", ncSender);
    const ncDownSynced = await ncPhase(lab, scratch, "nc-down-synced", ncSender);
    const ncDownHashed = await ncPhase(lab, scratch, "nc-down-hashed", ncSender);
    const seedsUp = await ncPhase(lab, scratch, "seeds-up", SEEDS_RECEIVER);
    const seedsDown = await ncPhase(lab, scratch, "seeds-down", SEEDS_SENDER);
    const gbps = (bytesPerSecond: number): string => `${(bytesPerSecond / GB).toFixed(2)} GB/s`;
    const note = `1 GiB of random bytes. Upload: the client reads the file once, hashing as it sends, and sends the hash in a trailer; the server hashes and writes every byte, fsyncs, checks the hash, then renames. Download: the client hashes, writes and fsyncs. nc neither hashes nor syncs; the seeds' way hashes with sha256sum before sending and after receiving, one after the other, and syncs nothing. The seeds' order through socklab's client (hash first, the file read twice): ${gbps(socklab.uploadHashFirstBytesPerSecond)}. SHA-256 alone in the client's Node: ${gbps(socklab.hashBytesPerSecond)}. Bound measured in the same run: nc into the service's volume, then fsync there: ${gbps(ncUpSynced.uploadBytesPerSecond)} (socklab ${(socklab.uploadBytesPerSecond / ncUpSynced.uploadBytesPerSecond).toFixed(2)}x it)`;
    const upload = socklab.uploadBytesPerSecond;
    const download = socklab.downloadBytesPerSecond;
    return [
      row(
        "upload 1 GiB, hash checked, fsynced, vs nc pipe",
        upload,
        "nc",
        ncUp.uploadBytesPerSecond,
        0.6,
        note,
      ),
      row(
        "download 1 GiB, hash checked, fsynced, vs nc pipe",
        download,
        "nc",
        ncDown.downloadBytesPerSecond,
        0.8,
        `bounds measured in the same run: nc into a file, then fsync: ${gbps(ncDownSynced.downloadBytesPerSecond)}; nc | tee the file | SHA-256 in Node (another process, the other core), then fsync: ${gbps(ncDownHashed.downloadBytesPerSecond)} (socklab ${(download / ncDownHashed.downloadBytesPerSecond).toFixed(2)}x it)`,
      ),
      row("upload 1 GiB, vs the seeds' way", upload, SEEDS, seedsUp.uploadBytesPerSecond, 1.2),
      row("download 1 GiB, vs the seeds' way", download, SEEDS, seedsDown.downloadBytesPerSecond, 1.2),
      rssRow(
        "server RSS, highest while moving 1 GiB each way",
        serverMaxRssBytes,
        `sampled every ${RSS_SAMPLE_MS} ms; ${(serverIdleRssBytes / MIB).toFixed(0)} MiB idle before the transfers; the server ran \`${serverCommand}\``,
      ),
      rssRow("client RSS, highest while moving 1 GiB each way", socklab.maxRssBytes),
    ];
  } finally {
    await runDocker(["volume", "rm", "--force", scratch]).catch(() => undefined);
  }
}

function row(
  measurement: string,
  bytesPerSecond: number,
  tool: string,
  referenceBytesPerSecond: number,
  bound: number,
  note?: string,
): BenchRow {
  return {
    group: "File transfer",
    measurement,
    unit: "GB/s",
    value: bytesPerSecond / GB,
    reference: { tool, value: referenceBytesPerSecond / GB },
    target: { kind: "ratio-at-least", bound },
    ...(note === undefined ? {} : { note }),
  };
}

function rssRow(measurement: string, bytes: number, note?: string): BenchRow {
  return {
    group: "File transfer",
    measurement,
    unit: "MiB",
    value: bytes / MIB,
    target: { kind: "value-at-most", bound: 100 },
    ...(note === undefined ? {} : { note }),
  };
}

// The nc end in file-transfer's network namespace, on the service's own volume, as its user.
async function ncPhase(
  lab: Lab,
  scratch: string,
  phase: Phase,
  script: string,
): Promise<FileTransferProbeResult> {
  await using _server = await startHelper(lab, {
    network: `container:${lab.containerId("file-transfer")}`,
    command: ["sh", "-c", script],
    runFlags: ["--user", "10001:10001", "-v", `${lab.projectName}_filestore:/data`],
    readyPort: { protocol: "tcp", port: fileTransfer.ncPort },
  });
  return await runPhase(lab, scratch, phase);
}

function runPhase(lab: Lab, scratch: string, phase: Phase): Promise<FileTransferProbeResult> {
  const options = { phase, host: "file-transfer", port: 9000, ...fileTransfer };
  return runOneOff([
    "--network",
    lab.networkName,
    ...benchContainerFlags(lab),
    "-v",
    `${scratch}:/scratch`,
    WORKBENCH_IMAGE,
    ...probeCommand("file-transfer-probe.ts", options),
  ]).then((result) => parseProbeOutput("file-transfer-probe.ts", result) as FileTransferProbeResult);
}
