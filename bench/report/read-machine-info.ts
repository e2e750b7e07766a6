import { readFileSync } from "node:fs";
import os from "node:os";
import type { Lab } from "../../labkit/lab/start-lab.ts";
import { runDocker } from "../docker/run-docker.ts";

export interface MachineInfo {
  kernel: string;
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  hostNode: string;
  workbenchNode: string;
  docker: string;
  compose: string;
}

/** What the figures depend on: the kernel the containers share, the CPU, and the versions. */
export async function readMachineInfo(lab: Lab): Promise<MachineInfo> {
  return {
    kernel: os.release(),
    cpuModel: cpuModel(),
    cores: os.availableParallelism(),
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    hostNode: process.version,
    workbenchNode: (await lab.sh("workbench", "node --version")).trim(),
    docker: await runDocker(["version", "--format", "{{.Server.Version}}"]),
    compose: await runDocker(["compose", "version", "--short"]),
  };
}

function cpuModel(): string {
  const line = readFileSync("/proc/cpuinfo", "utf8")
    .split("\n")
    .find((l) => l.startsWith("model name"));
  return line?.split(":")[1]?.trim() ?? os.cpus()[0]?.model ?? "unknown";
}
