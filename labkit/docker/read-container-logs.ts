import { dockerClient } from "./docker-client.ts";

/** A container's stdout, one entry per JSON log line (other lines are skipped). */
export async function readJsonLogLines(containerId: string): Promise<Record<string, unknown>[]> {
  const raw = await dockerClient()
    .getContainer(containerId)
    .logs({ stdout: true, stderr: false, follow: false });
  return demuxDockerStream(raw)
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

// Without a TTY the engine frames each chunk: 1 byte stream id, 3 zero bytes, 4-byte big-endian length.
export function demuxDockerStream(raw: Buffer): string {
  const parts: Buffer[] = [];
  for (let offset = 0; offset + 8 <= raw.length;) {
    const length = raw.readUInt32BE(offset + 4);
    parts.push(raw.subarray(offset + 8, offset + 8 + length));
    offset += 8 + length;
  }
  return Buffer.concat(parts).toString("utf8");
}
