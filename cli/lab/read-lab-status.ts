import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { compose } from "./compose.ts";

const execFileAsync = promisify(execFile);

export interface ServiceStatus {
  service: string;
  container: string;
  state: string;
  /** healthy, unhealthy, starting, or "" for a container without a healthcheck. */
  health: string;
  /** Addresses on the lab's networks, e.g. ["172.18.0.2"]. */
  addresses: string[];
  /** The engine's names of those networks, e.g. ["socklab_labnet"]. */
  networks: string[];
}

interface ComposePsRow {
  Name: string;
  Service: string;
  State: string;
  Health: string;
}

interface InspectedContainer {
  Name: string;
  NetworkSettings: { Networks: Record<string, { IPAddress: string }> };
}

/** The lab's containers as `docker compose ps` and `docker inspect` see them. */
export async function readLabStatus(projectName?: string): Promise<ServiceStatus[]> {
  const { stdout } = await compose(["ps", "--all", "--format", "json"], {
    output: "capture",
    ...(projectName ? { projectName } : {}),
  });
  const rows = parseJsonLines<ComposePsRow>(stdout);
  if (rows.length === 0) return [];
  const { stdout: inspected } = await execFileAsync("docker", ["inspect", ...rows.map((row) => row.Name)]);
  const networksByName = new Map(
    (JSON.parse(inspected) as InspectedContainer[]).map((c) => [
      c.Name.replace(/^\//, ""),
      c.NetworkSettings.Networks,
    ]),
  );
  return rows
    .map((row) => ({
      service: row.Service,
      container: row.Name,
      state: row.State,
      health: row.Health,
      addresses: Object.values(networksByName.get(row.Name) ?? {})
        .map((n) => n.IPAddress)
        .filter(Boolean),
      networks: Object.keys(networksByName.get(row.Name) ?? {}),
    }))
    .sort((a, b) => a.service.localeCompare(b.service));
}

// compose 2.21+ prints one JSON object per line; older releases print one array.
function parseJsonLines<T>(text: string): T[] {
  const trimmed = text.trim();
  if (trimmed === "") return [];
  if (trimmed.startsWith("[")) return JSON.parse(trimmed) as T[];
  return trimmed.split("\n").map((line) => JSON.parse(line) as T);
}

export function formatLabStatus(status: readonly ServiceStatus[]): string {
  if (status.length === 0) return "the lab is not running: start it with `npm start` or `socklab up`\n";
  const header = ["SERVICE", "STATE", "HEALTH", "ADDRESS"];
  const rows = status.map((s) => [s.service, s.state, s.health || "-", s.addresses.join(", ") || "-"]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return `${[header, ...rows].map(line).join("\n")}\n`;
}
