import { COMPOSE_PROJECT_LABEL } from "../../labkit/lab/lab-project.ts";
import type { Lab } from "../../labkit/lab/start-lab.ts";
import { runDocker } from "../docker/run-docker.ts";
import { runOneOff } from "../docker/run-one-off.ts";
import { benchContainerFlags, startHelper, WORKBENCH_IMAGE } from "../docker/start-helper.ts";
import type { FileTransferProbeResult } from "../probes/file-transfer-probe.ts";
import { parseProbeOutput, probeCommand } from "../probes/run-probe.ts";
import type { BenchRow } from "../report/bench-row.ts";
import { BENCH_SETTINGS } from "./bench-settings.ts";
import { findServicePid, readRssBytes } from "./find-service-pid.ts";

const { fileTransfer } = BENCH_SETTINGS;
const GB = 1e9;
const MIB = 2 ** 20;
const RSS_SAMPLE_MS = 500;

type Phase = "socklab" | "nc-up" | "nc-down";

/**
 * A 1 GiB upload and download through socklab's client (SHA-256 checked both ways, stored on the
 * service's volume), next to a raw nc pipe of the same bytes into and out of the same volume. The
 * client runs in a one-off workbench container with a scratch volume: the workbench's /tmp is
 * memory, too small for the file.
 */
export async function measureFileTransfer(lab: Lab): Promise<BenchRow[]> {
  const scratch = `${lab.projectName}_bench-scratch`;
  await runDocker(["volume", "create", "--label", `${COMPOSE_PROJECT_LABEL}=${lab.projectName}`, scratch]);
  try {
    const pid = await findServicePid(lab, "file-transfer");
    let serverMaxRssBytes = 0;
    const sampler = setInterval(() => {
      void readRssBytes(lab, "file-transfer", pid).then(
        (rss) => (serverMaxRssBytes = Math.max(serverMaxRssBytes, rss)),
        () => undefined,
      );
    }, RSS_SAMPLE_MS);
    const socklab = await runPhase(lab, scratch, "socklab").finally(() => clearInterval(sampler));
    const ncUp = await ncPhase(lab, scratch, "nc-up", `nc -l -p ${fileTransfer.ncPort} > /data/nc-bench.bin`);
    const ncDown = await ncPhase(
      lab,
      scratch,
      "nc-down",
      `nc -N -l -p ${fileTransfer.ncPort} < /data/nc-bench.bin`,
    );
    const note = `1 GiB of random bytes. Upload: the client hashes the file, then sends it; the server hashes, writes and fsyncs it before the rename. Download: the client hashes, writes and fsyncs. nc neither hashes nor syncs. SHA-256 alone in the client's Node: ${(socklab.hashBytesPerSecond / GB).toFixed(2)} GB/s. RSS at most ${(serverMaxRssBytes / MIB).toFixed(0)} MiB (server) and ${(socklab.maxRssBytes / MIB).toFixed(0)} MiB (client)`;
    return [
      row(
        "upload 1 GiB, hash checked, vs nc pipe",
        socklab.uploadBytesPerSecond,
        ncUp.uploadBytesPerSecond,
        note,
      ),
      row(
        "download 1 GiB, hash checked, vs nc pipe",
        socklab.downloadBytesPerSecond,
        ncDown.downloadBytesPerSecond,
      ),
    ];
  } finally {
    await runDocker(["volume", "rm", "--force", scratch]).catch(() => undefined);
  }
}

function row(measurement: string, bytesPerSecond: number, ncBytesPerSecond: number, note?: string): BenchRow {
  return {
    group: "File transfer",
    measurement,
    unit: "GB/s",
    value: bytesPerSecond / GB,
    reference: { tool: "nc", value: ncBytesPerSecond / GB },
    target: { kind: "ratio-at-least", bound: 0.7 },
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
