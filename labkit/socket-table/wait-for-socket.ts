import { SocklabError } from "../../protocol/socklab-error.ts";
import type { ContainerHost } from "../docker/container-host.ts";
import { waitFor } from "../wait-for.ts";
import { formatSocketTable } from "./format-socket-table.ts";
import { readSocketTable, type SocketTable } from "./read-socket-table.ts";
import type { SocketEntry } from "./socket-entry.ts";
import { describeMatch, matchesSocket, type SocketMatch } from "./socket-match.ts";

/** A lab container as the socket checks name it: `{ name: "tcp-echo", id: "<container id>" }`. */
export interface LabContainer {
  name: string;
  id: string;
  /** The engine it runs on, for labs across hosts; the default engine when absent. */
  host?: ContainerHost;
}

/** Reads a lab container's table on its own engine, titled with its host when it has one. */
export function readContainerTable(container: LabContainer): Promise<SocketTable> {
  const title = container.host ? `${container.name} on ${container.host.name}` : container.name;
  return readSocketTable(container.id, title, container.host?.docker);
}

export interface WaitForSocketOptions {
  timeoutMs: number;
  /** The other end of the connection: its table is shown too when the wait fails. */
  peer?: LabContainer;
}

/** Polls `container`'s socket table until a socket matches, and returns it. */
export async function waitForSocket(
  container: LabContainer,
  match: SocketMatch,
  options: WaitForSocketOptions,
): Promise<SocketEntry> {
  let last: SocketTable | undefined;
  try {
    return await waitFor(
      async () => {
        last = await readContainerTable(container);
        return last.entries.find((entry) => matchesSocket(entry, match));
      },
      {
        timeoutMs: options.timeoutMs,
        pollMs: 50,
        what: `${container.name} to hold a socket ${describeMatch(match)}`,
      },
    );
  } catch (error) {
    throw await withTables(error, container, last, options.peer);
  }
}

/** Polls until no socket in `container` matches (a state was left, a socket went away). */
export async function waitForNoSocket(
  container: LabContainer,
  match: SocketMatch,
  options: WaitForSocketOptions,
): Promise<void> {
  let last: SocketTable | undefined;
  try {
    await waitFor(
      async () => {
        last = await readContainerTable(container);
        return last.entries.some((entry) => matchesSocket(entry, match)) ? undefined : true;
      },
      {
        timeoutMs: options.timeoutMs,
        pollMs: 50,
        what: `${container.name} to hold no socket ${describeMatch(match)}`,
      },
    );
  } catch (error) {
    throw await withTables(error, container, last, options.peer);
  }
}

async function withTables(
  error: unknown,
  container: LabContainer,
  last: SocketTable | undefined,
  peer: LabContainer | undefined,
): Promise<SocklabError> {
  const tables = [last ?? (await readContainerTable(container))];
  if (peer) tables.push(await readContainerTable(peer));
  const shown = tables.map((table) => formatSocketTable(table.entries, { title: table.name })).join("\n");
  return new SocklabError("ERR_SOCKET_WAIT_TIMEOUT", `${(error as Error).message}\n${shown}`, {
    cause: error,
  });
}
