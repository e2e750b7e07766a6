import { afterAll, beforeAll, expect, it } from "vitest";
import { startLab, type Lab } from "../../labkit/lab/start-lab.ts";
import { startTrace } from "../../labkit/trace/start-trace.ts";
import type { TraceEvent } from "../../labkit/trace/trace-event.ts";
import { waitFor } from "../../labkit/wait-for.ts";

// A run of 10,000 echo connections from the workbench, traced at both ends: every transition
// and every packet kept, counted against the connections made, with the recorder's memory bounded.
const CONNECTIONS = 10_000;
const ECHO_PORT = 7;
// One byte each way, then a close from the client: 5 transitions at each end of each connection.
const CLIENT = `
import socket
made = 0
for _ in range(${CONNECTIONS}):
    s = socket.create_connection(("tcp-echo", ${ECHO_PORT}), timeout=5)
    s.sendall(b"x")
    assert s.recv(1) == b"x"
    s.close()
    made += 1
print(made)
`;
const TRANSITIONS_PER_END = 5;
// What one event may cost the recorder: its object, and its share of the sorted array.
const MAX_HEAP_BYTES_PER_EVENT = 2_048;

let lab: Lab;

/** The workbench namespace's count of TIME_WAIT sockets the kernel could not make (/proc/net/netstat). */
async function readTimeWaitOverflows(): Promise<number> {
  const netstat = await lab.sh("workbench", "cat /proc/net/netstat");
  const [names, values] = netstat.split("\n").filter((line) => line.startsWith("TcpExt:"));
  const index = (names ?? "").split(/\s+/).indexOf("TCPTimeWaitOverflow");
  return Number((values ?? "").split(/\s+/)[index] ?? NaN);
}

beforeAll(async () => {
  lab = await startLab();
});

afterAll(async () => {
  await lab.down();
});

it("keeps every transition and packet of 10,000 connections, in bounded memory", async () => {
  const counts = new Map<string, number>();
  const count = (event: TraceEvent) => {
    const key = event.kind === "transition" ? `${event.end} ${event.to}` : `${event.end} ${event.kind}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  };
  const overflowsBefore = await readTimeWaitOverflows();
  const heapBeforeBytes = process.memoryUsage().heapUsed;
  await using trace = await startTrace(lab, {
    services: ["workbench", "tcp-echo"],
    port: ECHO_PORT,
    onEvent: count,
  });
  const made = await lab.sh("workbench", `python3 -c '${CLIENT}'`);
  expect(Number(made)).toBe(CONNECTIONS);
  await waitFor(() => ((counts.get("tcp-echo CLOSE") ?? 0) >= CONNECTIONS ? true : undefined), {
    timeoutMs: 60_000,
    what: `tcp-echo to close ${CONNECTIONS} connections`,
    describeLast: () => JSON.stringify(Object.fromEntries(counts)),
  });
  await waitFor(
    () =>
      (counts.get("workbench TIME_WAIT") ?? 0) + (counts.get("workbench CLOSE") ?? 0) >= CONNECTIONS
        ? true
        : undefined,
    {
      timeoutMs: 60_000,
      what: `the workbench to close ${CONNECTIONS} connections`,
      describeLast: () => JSON.stringify(Object.fromEntries(counts)),
    },
  );
  const timeline = await trace.stop();
  const heapAfterBytes = process.memoryUsage().heapUsed;

  expect(trace.losses()).toEqual({ kernelEvents: 0, packets: 0 });
  const transitions = timeline.events.filter((e) => e.kind === "transition");
  // Counted by connection (the client's port), since a loaded kernel may report a state twice for
  // one socket (seen once: LAST_ACK) or resend a SYN: a lost event still leaves a connection short.
  const clientPort = (e: (typeof timeline.events)[number]) =>
    e.end === "workbench" ? e.local.port : e.remote.port;
  const connectionsIn = (end: string, states: readonly string[]) =>
    new Set(transitions.filter((e) => e.end === end && states.includes(e.to)).map(clientPort)).size;
  // The kernel reports SYN_SENT before it picks the local port (port 0): one event per socket.
  expect(
    transitions.filter((e) => e.end === "workbench" && e.to === "SYN_SENT"),
    "workbench SYN_SENT",
  ).toHaveLength(CONNECTIONS);
  for (const state of ["ESTABLISHED", "FIN_WAIT1", "FIN_WAIT2"])
    expect(connectionsIn("workbench", [state]), `workbench ${state}`).toBe(CONNECTIONS);
  // From FIN_WAIT2 a client socket becomes a TIME_WAIT one, or now and then (once in 10,000 on a
  // loaded machine, with TCPTimeWaitOverflow unchanged: the cause is not known) goes to CLOSE.
  const closes = transitions.filter((e) => e.end === "workbench" && e.to === "CLOSE").length;
  const overflows = (await readTimeWaitOverflows()) - overflowsBefore;
  expect(connectionsIn("workbench", ["TIME_WAIT", "CLOSE"]), `workbench TIME_WAIT or CLOSE (${closes})`).toBe(
    CONNECTIONS,
  );
  for (const state of ["SYN_RECV", "ESTABLISHED", "CLOSE_WAIT", "LAST_ACK", "CLOSE"])
    expect(connectionsIn("tcp-echo", [state]), `tcp-echo ${state}`).toBe(CONNECTIONS);
  expect(transitions.length).toBeGreaterThanOrEqual(2 * TRANSITIONS_PER_END * CONNECTIONS);
  if (closes > 0)
    console.log(
      `${closes} client sockets closed from FIN_WAIT2 without TIME_WAIT; the workbench's TCPTimeWaitOverflow rose by ${overflows}`,
    );
  // Each connection's SYN seen leaving the workbench and arriving at tcp-echo.
  const syns = timeline.events.filter((e) => e.kind === "packet" && e.flags === "S");
  for (const end of ["workbench", "tcp-echo"])
    expect(new Set(syns.filter((e) => e.end === end).map(clientPort)).size, `SYNs at ${end}`).toBe(
      CONNECTIONS,
    );
  const heapPerEventBytes = (heapAfterBytes - heapBeforeBytes) / timeline.events.length;
  expect(heapPerEventBytes).toBeLessThan(MAX_HEAP_BYTES_PER_EVENT);
  console.log(
    `10,000 connections traced: ${timeline.events.length} events, ${transitions.length} transitions, heap +${Math.round((heapAfterBytes - heapBeforeBytes) / 1e6)} MB (${Math.round(heapPerEventBytes)} B/event)`,
  );
});

// The kernel's tracepoints fire for every TCP socket on the machine, not only the lab's: on a busy
// machine the helper's pipe may never read empty, and a stop must not wait for it to.
const CHURN_STOP_FILE = "/tmp/churn-stop";
const CHURN_MAX_SECONDS = 90;
const CHURN = `
import os, socket, time
deadline = time.time() + ${CHURN_MAX_SECONDS}
made = 0
while not os.path.exists("${CHURN_STOP_FILE}") and time.time() < deadline and made < 1_000_000:
    socket.create_connection(("tcp-echo", ${ECHO_PORT}), timeout=5).close()
    made += 1
print(made)
`;

it("stops while the kernel keeps changing TCP states (a busy machine), and the churn outlives the stop", async () => {
  await lab.sh("workbench", `rm -f ${CHURN_STOP_FILE}`);
  let churnDone = false;
  const churn = lab.sh("workbench", `python3 -c '${CHURN}'`).finally(() => (churnDone = true));
  try {
    await using trace = await startTrace(lab, { services: ["workbench", "tcp-echo"], port: ECHO_PORT });
    const closes = () =>
      trace
        .timeline()
        .events.filter((e) => e.kind === "transition" && e.end === "tcp-echo" && e.to === "CLOSE").length;
    await waitFor(() => (closes() >= 200 ? true : undefined), {
      timeoutMs: 30_000,
      pollMs: 200,
      what: "tcp-echo to close 200 of the churn's connections",
      describeLast: () => `${closes()} closed`,
    });
    const timeline = await trace.stop();
    expect(timeline.events.length).toBeGreaterThan(200);
    expect(churnDone, "the churn ended before the stop: the stop was not tried on a busy kernel").toBe(false);
  } finally {
    await lab.sh("workbench", `touch ${CHURN_STOP_FILE}`);
  }
  expect(Number(await churn)).toBeGreaterThan(100);
});
