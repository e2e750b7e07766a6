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
