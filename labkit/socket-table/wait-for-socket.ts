import { SocklabError } from "../../protocol/socklab-error.ts";
import { waitFor } from "../wait-for.ts";
import { formatSocketTable } from "./format-socket-table.ts";
import { readSocketTable, type SocketTable } from "./read-socket-table.ts";
import type { SocketEntry } from "./socket-entry.ts";
import { describeMatch, matchesSocket, type SocketMatch } from "./socket-match.ts";

/** A lab container as the socket checks name it: `{ name: "tcp-echo", id: "<container id>" }`. */
export interface LabContainer {
  name: string;
  id: string;
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
        last = await readSocketTable(container.id, container.name);
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
        last = await readSocketTable(container.id, container.name);
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
  const tables = [last ?? (await readSocketTable(container.id, container.name))];
  if (peer) tables.push(await readSocketTable(peer.id, peer.name));
  const shown = tables.map((table) => formatSocketTable(table.entries, { title: table.name })).join("\n");
  return new SocklabError("ERR_SOCKET_WAIT_TIMEOUT", `${(error as Error).message}\n${shown}`, {
    cause: error,
  });
}
