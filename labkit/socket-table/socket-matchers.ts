import { expect } from "vitest";
import { formatSocketTable } from "./format-socket-table.ts";
import type { ConnectionEnd } from "./read-ends.ts";
import type { SocketTable } from "./read-socket-table.ts";
import type { SocketState } from "./socket-entry.ts";
import { describeMatch, matchesSocket, type SocketMatch } from "./socket-match.ts";

export type { ConnectionEnd };

interface SocketMatchers<R> {
  /** A socket matching `match` is in the table (`.not`: none is). */
  toHaveSocket(match: SocketMatch): R;
  /** A socket matching `match` is in the table and in `state`. */
  toHaveSocketInState(match: SocketMatch, state: SocketState): R;
}

declare module "vitest" {
  // Merged into vitest 5's own declaration, whose type parameters must be repeated exactly.
  /* eslint-disable @typescript-eslint/no-empty-object-type, @typescript-eslint/no-unused-vars */
  interface Matchers<
    R extends void | Promise<void> = void | Promise<void>,
    T = unknown,
  > extends SocketMatchers<R> {}
  /* eslint-enable @typescript-eslint/no-empty-object-type, @typescript-eslint/no-unused-vars */
}

function tablesShown(received: ConnectionEnd): string {
  const tables: SocketTable[] = [received, ...(received.peer ? [received.peer] : [])];
  return tables.map((table) => formatSocketTable(table.entries, { title: table.name })).join("\n");
}

expect.extend({
  toHaveSocket(received: ConnectionEnd, match: SocketMatch) {
    const pass = received.entries.some((entry) => matchesSocket(entry, match));
    const expected = `${received.name} to hold ${pass ? "no socket" : "a socket"} ${describeMatch(match)}`;
    return { pass, message: () => `expected ${expected}; the tables were:\n${tablesShown(received)}` };
  },
  toHaveSocketInState(received: ConnectionEnd, match: SocketMatch, state: SocketState) {
    const candidates = received.entries.filter((entry) =>
      matchesSocket(entry, { ...match, state: undefined }),
    );
    const pass = candidates.some((entry) => entry.state === state);
    const seen =
      candidates.length === 0 ? "no such socket" : `it was in ${candidates.map((e) => e.state).join(", ")}`;
    return {
      pass,
      message: () =>
        `expected ${received.name}'s socket ${describeMatch(match)} ${pass ? "not " : ""}to be in ${state}; ${seen}; the tables were:\n${tablesShown(received)}`,
    };
  },
});
