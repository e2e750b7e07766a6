// What the server pushes to a page on its event stream: one type per SSE event name. The page
// imports these types only, so that both ends agree on every field.
import type { Ladder } from "../../labkit/trace/ladder-rows.ts";
import type { FaultKind } from "../../labkit/fault/fault-spec.ts";

export interface HelloEvent {
  pageId: string;
  project: string;
  limits: Readonly<Record<string, number>>;
  tourSteps: readonly { key: string; title: string; services: readonly string[] }[];
  faultKinds: readonly FaultKind[];
}

export interface LabService {
  service: string;
  state: string;
  health: string;
  addresses: readonly string[];
  networks: readonly string[];
  ports: readonly string[];
}

export interface LabEvent {
  services: readonly LabService[];
  networks: readonly string[];
}

export interface SocketRow {
  /** socketKey(): the protocol, both ends and the state; a change of state is a new key. */
  key: string;
  protocol: "tcp" | "udp";
  local: string;
  remote: string;
  state: string;
  sendQueueBytes: number;
  receiveQueueBytes: number;
  program?: string;
}

export interface SocketsEvent {
  readAt: string;
  tables: readonly { service: string; rows: readonly SocketRow[]; changed: readonly string[] }[];
}

export interface LadderEvent extends Ladder {
  statesSource: "kernel" | "inferred" | "off";
  /** Why the ladder is not live, or why states are inferred. */
  note?: string;
  /** Events recorded in all; the ladder shows the newest WEB_LIMITS.ladderMaxEvents. */
  totalEvents: number;
  shownEvents: number;
}

export interface FaultsEvent {
  services: readonly {
    service: string;
    faults: readonly {
      description: string;
      mechanism: string;
      endsInSeconds?: number;
      fromThisPage: boolean;
    }[];
  }[];
}

export interface TourEvent {
  step?: string;
  status: "idle" | "running" | "done" | "failed";
  lines: readonly string[];
}

export interface ProblemEvent {
  code: string;
  message: string;
}

export interface PageEvents {
  hello: HelloEvent;
  lab: LabEvent;
  sockets: SocketsEvent;
  ladder: LadderEvent;
  faults: FaultsEvent;
  tour: TourEvent;
  problem: ProblemEvent;
}

export type PageEventName = keyof PageEvents;
