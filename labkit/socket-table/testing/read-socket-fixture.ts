// Test support: the captured fixtures of ../fixtures (made by its capture.sh).
import { readFileSync } from "node:fs";
import { parseProcNet, type ProcNetFile } from "../parse-proc-net.ts";
import type { SocketEntry, SocketSummary } from "../socket-entry.ts";

/** The two namespaces of the capture: server 10.99.0.3 / fd00:99::3, client 10.99.0.2 / fd00:99::2. */
export type FixtureSide = "server" | "client";

const FIXTURES = new URL("../fixtures/", import.meta.url);

export function readSocketFixture(side: FixtureSide, file: string): string {
  return readFileSync(new URL(`${side}/${file}`, FIXTURES), "utf8");
}

/** Every /proc/net row the capture holds for one side. */
export function readFixtureEntries(
  side: FixtureSide,
  files: readonly ProcNetFile[] = ["tcp", "tcp6", "udp", "udp6"],
): SocketEntry[] {
  return files.flatMap((file) => parseProcNet(readSocketFixture(side, `proc-net-${file}.txt`), file));
}

/** The one entry whose fields equal `match`; throws (failing the test) on none or several. */
export function onlyEntry<T extends SocketSummary>(entries: readonly T[], match: Partial<SocketSummary>): T {
  const keys = Object.keys(match) as (keyof SocketSummary)[];
  const found = entries.filter((entry) => keys.every((key) => entry[key] === match[key]));
  if (found.length !== 1)
    throw new Error(`expected one entry like ${JSON.stringify(match)}, found ${found.length}`);
  return found[0] as T;
}
