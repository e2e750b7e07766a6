import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { compose } from "./compose.ts";
import { socklabCommand } from "../output/invoked-as.ts";

const execFileAsync = promisify(execFile);

export interface ServiceStatus {
  service: string;
  /** The host it runs on, for a lab across hosts (the hosts file's name); absent on one engine. */
  host?: string;
  container: string;
  state: string;
  /** healthy, unhealthy, starting, or "" for a container without a healthcheck. */
  health: string;
  /** Addresses on the lab's networks, e.g. ["172.18.0.2"]. */
  addresses: string[];
  /** The engine's names of those networks, e.g. ["socklab_labnet"]. */
  networks: string[];
  /**
   * Ports the image or compose declares (EXPOSE, expose:, ports:) and, with `addListeningPorts`,
   * those the service listens on; sorted by port, then protocol.
   */
  ports: ServicePort[];
}

export interface ServicePort {
  port: number;
  protocol: "tcp" | "udp";
  /** Where the engine publishes it on the host, e.g. ["127.0.0.1:7007"]; empty on an internal network. */
  published: string[];
}

interface ComposePsRow {
  Name: string;
  Service: string;
  State: string;
  Health: string;
}

export interface InspectedContainer {
  Name: string;
  Config: { ExposedPorts?: Record<string, object> | null };
  NetworkSettings: {
    Networks: Record<string, { IPAddress: string }>;
    /** "7/tcp" -> host bindings, or null when the port is exposed but not published. */
    Ports?: Record<string, { HostIp: string; HostPort: string }[] | null> | null;
  };
}

/** The lab's containers as `docker compose ps` and `docker inspect` see them. */
export async function readLabStatus(): Promise<ServiceStatus[]> {
  const { stdout } = await compose(["ps", "--all", "--format", "json"], { output: "capture" });
  const rows = parseJsonLines<ComposePsRow>(stdout);
  if (rows.length === 0) return [];
  const { stdout: inspected } = await execFileAsync("docker", ["inspect", ...rows.map((row) => row.Name)]);
  const inspectedByName = new Map(
    (JSON.parse(inspected) as InspectedContainer[]).map((c) => [c.Name.replace(/^\//, ""), c]),
  );
  return rows
    .map((row) => {
      const container = inspectedByName.get(row.Name);
      const networks = container?.NetworkSettings.Networks ?? {};
      return {
        service: row.Service,
        container: row.Name,
        state: row.State,
        health: row.Health,
        addresses: Object.values(networks)
          .map((n) => n.IPAddress)
          .filter(Boolean),
        networks: Object.keys(networks),
        ports: container ? mergePorts(declaredPorts(container)) : [],
      };
    })
    .sort((a, b) => a.service.localeCompare(b.service));
}

export function declaredPorts(container: InspectedContainer): ServicePort[] {
  const bindings = container.NetworkSettings.Ports ?? {};
  const keys = new Set([...Object.keys(container.Config.ExposedPorts ?? {}), ...Object.keys(bindings)]);
  return [...keys].flatMap((key) => {
    const [port, protocol] = key.split("/");
    if (protocol !== "tcp" && protocol !== "udp") return [];
    const published = (bindings[key] ?? []).map((b) => `${b.HostIp || "0.0.0.0"}:${b.HostPort}`);
    return [{ port: Number(port), protocol, published: [...new Set(published)] }];
  });
}

/** Ports sorted by number then protocol, each once, their host bindings merged. */
export function mergePorts(ports: readonly ServicePort[]): ServicePort[] {
  const byKey = new Map<string, ServicePort>();
  for (const p of ports) {
    const key = `${p.port}/${p.protocol}`;
    const known = byKey.get(key);
    byKey.set(key, {
      port: p.port,
      protocol: p.protocol,
      published: [...new Set([...(known?.published ?? []), ...p.published])],
    });
  }
  return [...byKey.values()].sort((a, b) => a.port - b.port || a.protocol.localeCompare(b.protocol));
}

/** `7/tcp`, or `127.0.0.1:7007->7/tcp` when published, as docker ps writes them. */
export function formatPort(p: ServicePort): string {
  const own = `${p.port}/${p.protocol}`;
  return p.published.length === 0 ? own : p.published.map((host) => `${host}->${own}`).join(", ");
}

// compose 2.21+ prints one JSON object per line; older releases print one array.
function parseJsonLines<T>(text: string): T[] {
  const trimmed = text.trim();
  if (trimmed === "") return [];
  if (trimmed.startsWith("[")) return JSON.parse(trimmed) as T[];
  return trimmed.split("\n").map((line) => JSON.parse(line) as T);
}

export function formatLabStatus(status: readonly ServiceStatus[]): string {
  if (status.length === 0)
    return `the lab is not running: start it with \`npm start\` or \`${socklabCommand("up")}\`\n`;
  // A HOST column only for a lab across hosts: on one engine the table stays as it was.
  const withHost = status.some((s) => s.host !== undefined);
  const header = ["SERVICE", ...(withHost ? ["HOST"] : []), "STATE", "HEALTH", "ADDRESS", "PORTS"];
  const rows = status.map((s) => [
    s.service,
    ...(withHost ? [s.host ?? "-"] : []),
    s.state,
    s.health || "-",
    s.addresses.join(", ") || "-",
    s.ports.map(formatPort).join(", ") || "-",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return `${[header, ...rows].map(line).join("\n")}\n`;
}
