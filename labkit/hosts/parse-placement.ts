import { SocklabError } from "../../protocol/socklab-error.ts";

/** Which host each service runs on: `{ "tcp-echo": "h2", workbench: "h1" }`. */
export type Placement = Readonly<Record<string, string>>;

/** Parses `tcp-echo=h2,workbench=h1` (the CLI's --place) and checks every host is known. */
export function parsePlacement(text: string, hostNames: readonly string[]): Placement {
  const placement: Record<string, string> = {};
  for (const pair of text.split(",").filter((part) => part.trim() !== "")) {
    const [service = "", host = "", extra] = pair.split("=").map((part) => part.trim());
    if (service === "" || host === "" || extra !== undefined) {
      throw new SocklabError("ERR_PLACEMENT", `expected service=host, got "${pair}"`);
    }
    if (!hostNames.includes(host)) {
      throw new SocklabError(
        "ERR_PLACEMENT",
        `${service}=${host}: no host named ${host} (hosts: ${hostNames.join(", ")})`,
      );
    }
    if (service in placement) throw new SocklabError("ERR_PLACEMENT", `${service} is placed twice`);
    placement[service] = host;
  }
  return placement;
}

/** The lab's services with a host each when none are named: the workbench on the first host, the rest on the second. */
export const DEFAULT_PLACED_SERVICES = ["tcp-echo", "udp-echo", "file-transfer", "chat"] as const;

/** The workbench on the first host and every service on the second (or the first, when alone). */
export function defaultPlacement(hostNames: readonly string[]): Placement {
  const first = hostNames[0] ?? "";
  const servers = hostNames[1] ?? first;
  return {
    ...Object.fromEntries(DEFAULT_PLACED_SERVICES.map((service) => [service, servers])),
    workbench: first,
  };
}
