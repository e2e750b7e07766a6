import { readFile } from "node:fs/promises";
import path from "node:path";
import { CheckFailure, type CheckPass } from "./check-failure.ts";
import type { CheckOptions } from "./check-options.ts";
import { callsOnTcpSockets, parseStrace, portOf, type SyscallRecord } from "./parse-strace.ts";

export const DEFAULT_SERVER_TRACE = "server.trace";
export const DEFAULT_CLIENT_TRACE = "client.trace";
const SERVER_HINT = "strace -f -o server.trace python3 hello_server.py (in /home/lab, in the workbench)";
const CLIENT_HINT = "strace -f -o client.trace python3 hello_client.py, while the traced server runs";

// The system calls behind Python's socket methods, by what they do (glibc and Python pick among them).
const RECEIVES = new Set(["recvfrom", "recv", "read", "recvmsg"]);
const SENDS = new Set(["sendto", "send", "write", "sendmsg"]);
const ACCEPTS = new Set(["accept", "accept4"]);

/** A learner's strace log: its name as given (what every message calls it) and its TCP calls. */
interface StraceLog {
  name: string;
  calls: SyscallRecord[];
}

/**
 * Exercise 9: the learner's two strace logs, of the hello server and of its client, show the
 * system calls of one conversation: socket, bind, listen, accept4 on the listening descriptor;
 * recvfrom and sendto on the ACCEPTED one; socket, connect to the port the server bound, sendto,
 * recvfrom and close at the client.
 */
export async function checkStrace(options: CheckOptions): Promise<CheckPass> {
  const server = await readTrace(options.server ?? DEFAULT_SERVER_TRACE, SERVER_HINT);
  const client = await readTrace(options.client ?? DEFAULT_CLIENT_TRACE, CLIENT_HINT);
  requireOneConversation(server, client);
  const serverFacts = checkServerCalls(server);
  const clientFacts = checkClientCalls(client, server.name, serverFacts.port);
  return { facts: [...serverFacts.facts, ...clientFacts] };
}

// First, since a trace of another run explains every other call that is missing.
function requireOneConversation(server: StraceLog, client: StraceLog): void {
  const bound = server.calls.find(
    (c) => c.name === "bind" && c.result === 0 && portOf(c.args[1]) !== undefined,
  );
  const connected = client.calls.find(
    (c) => c.name === "connect" && c.result === 0 && portOf(c.args[1]) !== undefined,
  );
  const serverPort = portOf(bound?.args[1]);
  const clientPort = portOf(connected?.args[1]);
  if (serverPort !== undefined && clientPort !== undefined && serverPort !== clientPort)
    throw notOneConversation(client.name, clientPort, server.name, serverPort);
}

function notOneConversation(
  client: string,
  clientPort: number,
  server: string,
  serverPort: number,
): CheckFailure {
  return new CheckFailure(
    `${client} connects to port ${clientPort}, but ${server} bound port ${serverPort}: not one conversation`,
    "trace the server and the client of the same run, with the same port",
  );
}

async function readTrace(file: string, hint: string): Promise<StraceLog> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new CheckFailure(
      `cannot read ${path.resolve(file)}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      hint,
      {
        cause: error,
      },
    );
  }
  const calls = parseStrace(text);
  if (calls.length === 0) throw new CheckFailure(`${file} holds no system call as strace prints them`, hint);
  return { name: file, calls: callsOnTcpSockets(calls) };
}

function find(
  calls: readonly SyscallRecord[],
  test: (call: SyscallRecord) => boolean,
  missing: string,
  hint: string,
): SyscallRecord {
  const found = calls.find(test);
  if (!found) throw new CheckFailure(missing, hint);
  return found;
}

const fdOf = (call: SyscallRecord): number => Number(call.args[0]);
// readTrace kept only the calls on TCP sockets: every socket() left made one.
const isTcpSocket = (call: SyscallRecord): boolean => call.name === "socket";

function checkServerCalls({ name, calls }: StraceLog): { port: number; facts: string[] } {
  const bind = find(
    calls,
    (c) => c.name === "bind" && c.result === 0 && portOf(c.args[1]) !== undefined,
    `${name} has no successful bind() to an IPv4 or IPv6 port`,
    `the server must bind a TCP port; trace it from its start: ${SERVER_HINT}`,
  );
  const listener = fdOf(bind);
  const port = portOf(bind.args[1]) ?? 0;
  find(
    calls,
    (c) => isTcpSocket(c) && c.result === listener,
    `${name} has no socket(AF_INET, SOCK_STREAM, ...) = ${listener}`,
    SERVER_HINT,
  );
  find(
    calls,
    (c) => c.name === "listen" && fdOf(c) === listener && c.result === 0,
    `${name} binds descriptor ${listener} to port ${port} but never calls listen() on it`,
    "server.listen(): without it the socket cannot accept connections",
  );
  const accept = find(
    calls,
    (c) => ACCEPTS.has(c.name) && fdOf(c) === listener && c.result >= 0,
    `${name} has no accept4() on the listening descriptor ${listener} that returned a new descriptor`,
    `let a client connect while the server is traced: ${CLIENT_HINT}`,
  );
  const connection = accept.result;
  const onConnection = (names: Set<string>) => (c: SyscallRecord) =>
    names.has(c.name) && fdOf(c) === connection && c.result > 0;
  find(
    calls,
    onConnection(RECEIVES),
    `${name} has no recvfrom() with data on the accepted descriptor ${connection}`,
    "the server reads what the client says with conn.recv(), on the socket accept() returned, not on the listening one",
  );
  find(
    calls,
    onConnection(SENDS),
    `${name} has no sendto() with data on the accepted descriptor ${connection}`,
    "the server answers with conn.sendall(), on the socket accept() returned",
  );
  return {
    port,
    facts: [
      `server: socket() = ${listener}, bind(${listener}, port ${port}), listen(${listener}), ${accept.name}(${listener}) = ${connection}`,
      `server: recvfrom/sendto on the accepted descriptor ${connection}, never on the listening ${listener}`,
    ],
  };
}

function checkClientCalls({ name, calls }: StraceLog, serverName: string, serverPort: number): string[] {
  const connect = find(
    calls,
    (c) => c.name === "connect" && c.result === 0 && portOf(c.args[1]) !== undefined,
    `${name} has no successful connect() to a TCP port`,
    `trace the client while the traced server runs: ${CLIENT_HINT}`,
  );
  const port = portOf(connect.args[1]) ?? 0;
  if (port !== serverPort) throw notOneConversation(name, port, serverName, serverPort);
  const fd = fdOf(connect);
  find(
    calls,
    (c) => isTcpSocket(c) && c.result === fd,
    `${name} has no socket(AF_INET, SOCK_STREAM, ...) = ${fd}`,
    CLIENT_HINT,
  );
  const on = (names: Set<string>) => (c: SyscallRecord) =>
    names.has(c.name) && fdOf(c) === fd && c.result > 0;
  find(
    calls,
    on(SENDS),
    `${name} sends nothing on descriptor ${fd}`,
    "the client says hello with sock.sendall()",
  );
  find(
    calls,
    on(RECEIVES),
    `${name} receives nothing on descriptor ${fd}`,
    "the client reads the server's answer with sock.recv()",
  );
  find(
    calls,
    (c) => c.name === "close" && fdOf(c) === fd,
    `${name} never closes descriptor ${fd}`,
    "the client ends with sock.close() (after `exit`), which sends the FIN",
  );
  return [`client: socket() = ${fd}, connect(${fd}, port ${port}), sendto, recvfrom, close(${fd})`];
}
