// socklab's library: start labs on any compose files, read and wait for socket tables at both ends,
// drive sockets step by step, run commands in containers, apply network faults, clean up. The
// vitest matchers are the subpath `socklab/matchers`, so that this entry does not need vitest.
export {
  startLab,
  SOCKLAB_LAB,
  type Lab,
  type StartLabOptions,
  type ExecOptions,
  type ExecResult,
} from "./lab/start-lab.ts";
export { sweepLeftovers, type SweepOptions, type SweepReport } from "./lab/sweep-leftovers.ts";
export { TEST_PROJECT_PREFIX, COMPOSE_PROJECT_LABEL } from "./lab/lab-project.ts";
export {
  resolveComposeProject,
  listComposeServices,
  requireKnownServices,
  SOCKLAB_COMPOSE_FILE,
  type ComposeProject,
  type ComposeProjectOptions,
} from "./compose/compose-project.ts";
export { execInContainer } from "./docker/exec-in-container.ts";
export { readJsonLogLines } from "./docker/read-container-logs.ts";
export { pingEngine } from "./docker/ping-engine.ts";
export { pruneSupersededImages } from "./docker/prune-superseded-images.ts";
export { readSocketTable, type SocketTable } from "./socket-table/read-socket-table.ts";
export { readEnds, type ConnectionEnd } from "./socket-table/read-ends.ts";
export {
  pairConnectionEnds,
  type ConnectionPair,
  type ConnectionSide,
} from "./socket-table/pair-connection-ends.ts";
export { formatConnectionPairs } from "./socket-table/format-connection-pairs.ts";
export {
  waitForSocket,
  waitForNoSocket,
  type LabContainer,
  type WaitForSocketOptions,
} from "./socket-table/wait-for-socket.ts";
export { matchesSocket, describeMatch, type SocketMatch } from "./socket-table/socket-match.ts";
export { formatSocketTable, type FormatSocketTableOptions } from "./socket-table/format-socket-table.ts";
export { parseProcNet, type ProcNetFile } from "./socket-table/parse-proc-net.ts";
export { parseSs, type SsEntry } from "./socket-table/parse-ss.ts";
export type {
  SocketEntry,
  SocketSummary,
  SocketState,
  TcpState,
  UdpState,
  SocketProtocol,
  SocketOwner,
  SocketTimer,
} from "./socket-table/socket-entry.ts";
export {
  startPuppet,
  type Puppet,
  type PuppetCommand,
  type PuppetEvent,
  type PuppetEventName,
  type PuppetEvents,
  type Endpoints,
} from "./puppet/start-puppet.ts";
export { applyFault, type Fault } from "./fault/apply-fault.ts";
export { listFaults, type FaultInForce, type ServiceFaults } from "./fault/list-faults.ts";
export { clearFaults, type ClearedFaults } from "./fault/clear-faults.ts";
export {
  FAULT_KINDS,
  FAULT_DEFAULT_SECONDS,
  FAULT_MAX_SECONDS,
  TCP_FLAGS,
  type FaultSpec,
  type FaultKind,
  type FaultDirection,
  type FaultTarget,
  type TcpFlag,
} from "./fault/fault-spec.ts";
export type { KernelFault } from "./fault/parse-fault-state.ts";
export {
  startTrace,
  type TracedLab,
  type TraceOptions,
  type TraceRecorder,
  type TraceLosses,
} from "./trace/start-trace.ts";
export { renderLadderText } from "./trace/render-ladder-text.ts";
export { renderLadderSvg } from "./trace/render-ladder-svg.ts";
export { transitionsAt, type TraceEndMatch, type EndTransitions } from "./trace/transitions-at.ts";
export { writeTraceEvidence, withTraceEvidence } from "./trace/write-trace-evidence.ts";
export {
  startEvidenceRecorder,
  type EvidenceRecorder,
  type EvidenceRecorderOptions,
  type EvidenceFiles,
} from "./trace/start-evidence-recorder.ts";
export type {
  Timeline,
  TraceEvent,
  TransitionEvent,
  ResetEvent,
  RetransmitEvent,
  PacketEvent,
  TraceState,
  StatesSource,
  SocketAddress,
} from "./trace/trace-event.ts";
export { waitFor, type WaitOptions } from "./wait-for.ts";
export { dockerClientFor, type EngineTls } from "./docker/docker-client.ts";
export type { EngineSsh } from "./docker/ssh-engine-options.ts";
export type { ContainerHost } from "./docker/container-host.ts";
export { readContainerTable } from "./socket-table/wait-for-socket.ts";
export {
  startCrossHostLab,
  type CrossHostLab,
  type HostedContainer,
  type AttachOptions,
  type StartCrossHostLabOptions,
} from "./hosts/start-cross-host-lab.ts";
export { stopCrossHostLab } from "./hosts/stop-cross-host-lab.ts";
export { findCrossHostContainers, type FoundContainer } from "./hosts/find-cross-host-containers.ts";
export { readHostsFile, parseHostsFile, HOSTS_FILE_NAME, type HostSpec } from "./hosts/hosts-file.ts";
export { parsePlacement, defaultPlacement, type Placement } from "./hosts/parse-placement.ts";
export { connectHost, localEngineHost, type EngineHost } from "./hosts/engine-host.ts";
export { formSwarm, leaveSwarm, type Swarm } from "./hosts/form-swarm.ts";
export { transferImages } from "./hosts/transfer-images.ts";
export {
  startSimulatedHosts,
  simulatedHostsUnavailable,
  type SimulatedHosts,
  type SimulatedSshd,
} from "./hosts/simulated-hosts.ts";
export { SocklabError } from "../protocol/socklab-error.ts";
export { ERROR_CODES, EXIT, exitCodeFor, isErrorCode, type ErrorCode } from "../protocol/error-codes.ts";
