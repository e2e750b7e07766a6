// `import "socklab/matchers"` in a vitest setup file or test adds toHaveSocket,
// toHaveSocketInState and toHaveTransitions to expect(); vitest is a peer dependency of this entry only.
import "./socket-table/socket-matchers.ts";
import "./trace/trace-matchers.ts";

export type { ConnectionEnd } from "./socket-table/read-ends.ts";
export type { SocketMatch } from "./socket-table/socket-match.ts";
export type { TraceEndMatch } from "./trace/transitions-at.ts";
