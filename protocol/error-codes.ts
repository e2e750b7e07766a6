import { CHAT_NUMERICS, type ChatNumericName } from "./chat/chat-numerics.ts";
import { FILE_TRANSFER_ERRORS, type FileTransferErrorCode } from "./file-transfer/file-transfer-errors.ts";

/** The socklab command's exit codes; scripts may rely on them (README, "The socklab command"). */
export const EXIT = {
  ok: 0,
  /** The exchange ran, but what came back is not what was sent. */
  mismatch: 1,
  /** Bad arguments, a name that does not exist, or a local file that cannot be used. */
  usage: 2,
  /** A network error: refused, reset, timed out. */
  network: 3,
  /** Docker, compose or the lab's own machinery failed (build, start, exec, a format it reads). */
  labFailed: 4,
  /** The lab is not running, or a service is unhealthy. */
  labDown: 5,
  /** The service refused the request with an error code of its protocol (printed). */
  refused: 6,
  /** A kind of fault or trace that this kernel or engine cannot provide (the feature is named). */
  unsupported: 7,
  /** Stopped by Ctrl-C; a transfer can be resumed. */
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export interface ErrorCodeSpec {
  readonly exitCode: ExitCode;
  readonly meaning: string;
}

// Codes the file-transfer server sends on the wire that are about the network or the data, not a refusal.
const FILE_TRANSFER_EXIT: Partial<Record<FileTransferErrorCode, ExitCode>> = {
  HASH_MISMATCH: EXIT.mismatch,
  SIZE_MISMATCH: EXIT.mismatch,
  IDLE_TIMEOUT: EXIT.network,
  TOO_MANY_CONNECTIONS: EXIT.network,
  SHUTTING_DOWN: EXIT.network,
  TRUNCATED_BODY: EXIT.network,
  HEADER_TIMEOUT: EXIT.network,
};

function fileTransferCodes(): Record<FileTransferErrorCode, ErrorCodeSpec> {
  const entries = Object.entries(FILE_TRANSFER_ERRORS).map(([code, spec]) => [
    code,
    { exitCode: FILE_TRANSFER_EXIT[code as FileTransferErrorCode] ?? EXIT.refused, meaning: spec.meaning },
  ]);
  return Object.fromEntries(entries) as Record<FileTransferErrorCode, ErrorCodeSpec>;
}

type ChatErrorName = Extract<ChatNumericName, `ERR_${string}`>;

// The chat server's error numerics, by name: each is the server refusing what was asked.
function chatCodes(): Record<ChatErrorName, ErrorCodeSpec> {
  const entries = Object.entries(CHAT_NUMERICS)
    .filter(([name]) => name.startsWith("ERR_"))
    .map(([name, numeric]) => [
      name,
      { exitCode: EXIT.refused, meaning: `chat ${numeric.code}: ${numeric.text}` },
    ]);
  return Object.fromEntries(entries) as Record<ChatErrorName, ErrorCodeSpec>;
}

const spec = (exitCode: ExitCode, meaning: string): ErrorCodeSpec => ({ exitCode, meaning });

/**
 * Every code a SocklabError can carry, with the exit code the socklab command ends with when that
 * error reaches it. One table: the CLI, the library and the docs (docs/api.md) read it.
 */
export const ERROR_CODES = {
  // Arguments and names.
  ERR_USAGE: spec(EXIT.usage, "bad arguments"),
  ERR_NODE_TOO_OLD: spec(EXIT.usage, "the Node running socklab is older than it needs (bin/socklab.js)"),
  ERR_UNKNOWN_SERVICE: spec(EXIT.usage, "a service name that the compose project does not have"),
  ERR_COMPOSE_FILE_MISSING: spec(EXIT.usage, "a compose file that does not exist"),
  ERR_BAD_SETTING: spec(EXIT.usage, "an environment setting that is not a valid value"),
  ERR_BAD_MAX_FRAME_BYTES: spec(EXIT.usage, "a frame bound that is not a positive integer"),
  ERR_DATAGRAM_TOO_LARGE: spec(EXIT.usage, "a UDP payload above 65,507 bytes"),
  ERR_SOURCE_FAILED: spec(EXIT.usage, "the local file to send could not be read"),
  ERR_SOURCE_TOO_SHORT: spec(EXIT.usage, "the local file ended before its announced size"),
  ERR_CHAT_BAD_TEXT: spec(EXIT.usage, "a chat line, nick or room that the protocol cannot carry"),
  ERR_CHAT_LINE_TOO_LONG: spec(EXIT.usage, "a chat line above the protocol's 512 bytes"),
  ERR_UNKNOWN_EXERCISE: spec(EXIT.usage, "an exercise number that `socklab check` has no check for"),
  // The local file system, as Node names its errors.
  ENOENT: spec(EXIT.usage, "no such local file or folder"),
  EISDIR: spec(EXIT.usage, "a folder where a file was expected"),
  ENOTDIR: spec(EXIT.usage, "a file where a folder was expected"),
  EACCES: spec(EXIT.usage, "no permission on a local file"),
  EPERM: spec(EXIT.usage, "an operation not permitted on a local file"),
  EROFS: spec(EXIT.usage, "a read-only local file system"),
  ELOOP: spec(EXIT.usage, "too many symbolic links in a local path"),
  ENAMETOOLONG: spec(EXIT.usage, "a local path too long"),
  ENOSPC: spec(EXIT.usage, "no space left on the local disk"),
  // The network, as socklab's clients and Node's net name it.
  ERR_CONNECT_TIMEOUT: spec(EXIT.network, "no connection within the deadline"),
  ERR_CONNECT_FAILED: spec(EXIT.network, "the connection could not be made"),
  ERR_CONNECTION_CLOSED: spec(EXIT.network, "the peer closed the connection mid-exchange"),
  ERR_REPLY_TIMEOUT: spec(EXIT.network, "no reply within the deadline"),
  ERR_BAD_REPLY: spec(EXIT.network, "the peer sent bytes that are not a valid reply"),
  ERR_ECHO_TIMEOUT: spec(EXIT.network, "the echo did not come back within the deadline"),
  ERR_ECHO_FAILED: spec(EXIT.network, "the echo exchange failed"),
  ERR_CHAT_CONNECT: spec(EXIT.network, "the chat connection could not be made"),
  ERR_CHAT_CONNECT_TIMEOUT: spec(EXIT.network, "no chat connection within the deadline"),
  ERR_CHAT_TIMEOUT: spec(EXIT.network, "the chat server did not answer within the deadline"),
  ERR_CHAT_CLOSED: spec(EXIT.network, "the chat connection closed"),
  ECONNREFUSED: spec(EXIT.network, "nothing listens at that address"),
  ECONNRESET: spec(EXIT.network, "the peer reset the connection"),
  ECONNABORTED: spec(EXIT.network, "the connection was aborted"),
  ETIMEDOUT: spec(EXIT.network, "the network timed out"),
  EHOSTUNREACH: spec(EXIT.network, "no route to the host"),
  ENETUNREACH: spec(EXIT.network, "no route to the network"),
  ENOTFOUND: spec(EXIT.network, "the name does not resolve"),
  EAI_AGAIN: spec(EXIT.network, "the name could not be resolved now"),
  EPIPE: spec(EXIT.network, "the peer stopped reading"),
  EADDRNOTAVAIL: spec(
    EXIT.network,
    "no local address or port left for a new connection (ephemeral ports used up)",
  ),
  // What a peer's protocol refused, or what did not match.
  ERR_ECHO_MISMATCH: spec(EXIT.mismatch, "the echo came back different from what was sent"),
  ERR_CHECK_FAILED: spec(EXIT.mismatch, "the learner's work for an exercise did not pass its check (FAIL)"),
  ERR_CHAT_SYNTAX: spec(EXIT.refused, "a line that is not an IRC message"),
  ERR_CHAT_BAD_MESSAGE: spec(EXIT.refused, "an IRC message that cannot be serialized"),
  ERR_CHAT_REFUSED: spec(EXIT.refused, "the chat server refused the request"),
  ...fileTransferCodes(),
  ...chatCodes(),
  // The lab: engine, compose, containers.
  ERR_LAB_DOWN: spec(EXIT.labDown, "the lab, or a container a command needs, is not running"),
  ERR_ENGINE_UNREACHABLE: spec(EXIT.labFailed, "no Docker engine answers at the configured address"),
  ERR_DOCKER_MISSING: spec(EXIT.labFailed, "the docker command cannot be run"),
  ERR_COMPOSE_FAILED: spec(EXIT.labFailed, "docker compose failed"),
  ERR_LAB_EXEC: spec(EXIT.labFailed, "a command run in a lab container failed"),
  ERR_PUPPET_STATE: spec(EXIT.labFailed, "a socket puppet got a step its socket cannot take yet"),
  ERR_PUPPET_START: spec(EXIT.labFailed, "a socket puppet did not start in its container"),
  ERR_SOCKET_TABLE_READ: spec(EXIT.labFailed, "a container's socket table could not be read"),
  ERR_PROC_NET_FORMAT: spec(EXIT.labFailed, "a /proc/net line in an unknown format"),
  ERR_SS_FORMAT: spec(EXIT.labFailed, "an ss line in an unknown format"),
  ERR_SOCKET_OWNERS_FORMAT: spec(EXIT.labFailed, "a socket-owner line in an unknown format"),
  ERR_PCAP_FORMAT: spec(EXIT.labFailed, "a capture file in an unknown format"),
  ERR_TOUR_SCRIPT: spec(EXIT.labFailed, "a tour step's script in the workbench failed"),
  ERR_WAIT_TIMEOUT: spec(EXIT.labFailed, "a condition awaited did not hold before the deadline"),
  ERR_SOCKET_WAIT_TIMEOUT: spec(EXIT.labFailed, "a socket awaited did not appear or leave in time"),
  ERR_UNSUPPORTED: spec(EXIT.unsupported, "the kernel or engine lacks a feature (named in the message)"),
  // Labs across hosts (docs/cross-host.md).
  ERR_HOSTS_FILE: spec(EXIT.usage, "a hosts file that cannot be read or names its hosts wrongly"),
  ERR_HOSTS_FILE_MISSING: spec(EXIT.usage, "no hosts file where one was named or looked for: create it"),
  ERR_PLACEMENT: spec(EXIT.usage, "a placement naming no such host or service, or a service twice"),
  ERR_HOST_URL_INVALID: spec(EXIT.usage, "a host's engine address that is not a DOCKER_HOST URL"),
  ERR_HOST_CONTEXT: spec(EXIT.usage, "a host named by a docker context that does not exist"),
  ERR_HOST_URL_UNSUPPORTED: spec(
    EXIT.unsupported,
    "an engine address socklab cannot use: another scheme, an ssh:// socket path, ssh:// for testcontainers",
  ),
  ERR_SSH_HOST_KEY: spec(
    EXIT.usage,
    "an ssh:// engine whose host key known_hosts does not list, or lists otherwise: check it, add it",
  ),
  ERR_SSH_AUTH: spec(EXIT.usage, "no key for an ssh:// engine, or it refused every key offered"),
  ERR_HOST_DOCKER: spec(EXIT.labFailed, "a docker or compose command on one of the hosts failed"),
  ERR_SWARM_FOREIGN: spec(EXIT.labFailed, "a host is in another swarm, or the first host is a worker"),
  ERR_IMAGE_MISSING: spec(EXIT.labFailed, "an image to copy to the hosts is not built"),
  ERR_IMAGE_TRANSFER: spec(EXIT.labFailed, "copying images to a host (save | load) failed"),
  ERR_LAB_CONTAINER: spec(EXIT.labDown, "the lab across hosts runs no such service or container"),
  ERR_LAB_DOWN_INCOMPLETE: spec(EXIT.labFailed, "taking a lab across hosts down left something behind"),
  ERR_SIMULATED_HOSTS: spec(EXIT.labFailed, "the simulated hosts could not be made or removed"),
  // Faults (labkit/fault/).
  ERR_FAULT_ARGUMENT: spec(
    EXIT.usage,
    "a fault that cannot be: an unknown kind or service, a value out of range",
  ),
  ERR_FAULT_CONFLICT: spec(
    EXIT.usage,
    "a fault that needs what another fault in force holds (the root qdisc)",
  ),
  ERR_FAULT_UNSUPPORTED: spec(
    EXIT.unsupported,
    "a fault kind this kernel cannot provide (the feature is named)",
  ),
  ERR_FAULT_FAILED: spec(EXIT.labFailed, "a fault helper could not apply, read or remove a fault"),
  ERR_FAULT_HELPER_IMAGE: spec(EXIT.labFailed, "the fault helper's image could not be built"),
  ERR_TRACEFS_UNREACHABLE: spec(
    EXIT.unsupported,
    "the kernel's tracepoints cannot be read through tracefs here",
  ),
  ERR_TRACE_EVIDENCE: spec(EXIT.labFailed, "a traced check failed; its evidence folder is named"),
  ERR_CAPTURE_FAILED: spec(EXIT.labFailed, "tcpdump in a lab container's namespace did not start"),
  ERR_TRACE_OPTIONS: spec(EXIT.usage, "a trace was asked for what it cannot record (no service, no address)"),
  // The live page (socklab web, docs/web.md).
  ERR_WEB_PORT_IN_USE: spec(EXIT.usage, "the address socklab web was to listen on is taken or not allowed"),
  ERR_WEB_PAGE_MISSING: spec(EXIT.labFailed, "the page's bundle is not built (npm run setup builds it)"),
  ERR_WEB_FORBIDDEN: spec(EXIT.refused, "a request to socklab web from another origin or host name"),
  ERR_WEB_BAD_REQUEST: spec(EXIT.usage, "a request to socklab web that is not valid (body, step, page)"),
  ERR_WEB_TOO_MANY_PAGES: spec(EXIT.refused, "more pages open on socklab web than its limit"),
  ERR_WEB_BUSY: spec(EXIT.refused, "a tour step was asked for while another one runs"),
  // Programming errors and test or bench machinery: never the user's input.
  ERR_DECODER_BUSY: spec(EXIT.labFailed, "a decoder was fed while a body was being streamed"),
  ERR_BAD_BODY_SIZE: spec(EXIT.labFailed, "a body length that is not a safe non-negative integer"),
  ERR_CHAT_SPAWN: spec(EXIT.labFailed, "a chat server for a test did not start"),
  ERR_CHAT_LISTEN: spec(EXIT.labFailed, "a chat server could not listen"),
  ERR_CHAT_PROBE: spec(EXIT.labFailed, "a chat probe failed"),
  ERR_TEST_BAD_REPLY: spec(EXIT.labFailed, "a test connection got an unexpected reply"),
  ERR_BENCH_DOCKER: spec(EXIT.labFailed, "a docker command of the bench failed"),
  ERR_BENCH_PARSE: spec(EXIT.labFailed, "a tool's output could not be parsed by the bench"),
  ERR_BENCH_PID: spec(EXIT.labFailed, "the bench could not find a service's process"),
  ERR_BENCH_PROBE: spec(EXIT.labFailed, "a bench probe failed"),
  ERR_BENCH_RESOLVE: spec(EXIT.labFailed, "a lab name did not resolve in the workbench"),
  ERR_SOAK_FAULT: spec(EXIT.labFailed, "the fault soak could not strike a scheduled fault"),
  // Interruptions.
  ERR_ABORTED: spec(EXIT.interrupted, "stopped by a signal or an abort; a transfer can be resumed"),
} as const satisfies Record<string, ErrorCodeSpec>;

export type ErrorCode = keyof typeof ERROR_CODES;

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === "string" && Object.hasOwn(ERROR_CODES, code);
}

/** A code from elsewhere (Node's errno, a peer's reply) if the table has it, else `fallback`. */
export function toErrorCode(code: unknown, fallback: ErrorCode): ErrorCode {
  return isErrorCode(code) ? code : fallback;
}

/** The exit code for an error's code; anything unknown is the lab's machinery failing (4). */
export function exitCodeFor(code: unknown): ExitCode {
  return isErrorCode(code) ? ERROR_CODES[code].exitCode : EXIT.labFailed;
}
