import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPuppet } from "../../labkit/puppet/start-puppet.ts";
import { readEnds } from "../../labkit/socket-table/read-ends.ts";
import "../../labkit/socket-table/socket-matchers.ts";
import type { SocketMatch } from "../../labkit/socket-table/socket-match.ts";
import {
  waitForNoSocket,
  waitForSocket,
  type LabContainer,
} from "../../labkit/socket-table/wait-for-socket.ts";
import { startLab, type Lab } from "../../labkit/lab/start-lab.ts";

// Paths of overrides are relative to the repository root.
const OVERRIDE = "lab-tests/cli/fixtures/my-server/compose.my-server.yml";
const PORT = 8080;
const WAIT_MS = 8_000;
// Runs in the workbench: nc sends the request, half-closes (-N), prints the reply.
const GET_HEALTH = `printf 'GET /health HTTP/1.0\\r\\n\\r\\n' | nc -N -w5 my-server ${PORT}`;

let lab: Lab;
let client: LabContainer;
let server: LabContainer;

beforeAll(async () => {
  lab = await startLab({ overrides: [OVERRIDE] });
  client = lab.container("workbench");
  server = lab.container("my-server");
  // up --wait waited for the healthcheck; this waits for the socket itself.
  await waitForSocket(server, { protocol: "tcp", localPort: PORT, state: "LISTEN" }, { timeoutMs: WAIT_MS });
});

afterAll(async () => {
  await lab.down();
});

/** A puppet socket in the workbench, connected to my-server; its port names the connection. */
async function connectFromWorkbench(options: { allowHalfOpen?: boolean } = {}) {
  const puppet = await startPuppet("workbench", client.id);
  puppet.send({ op: "connect", host: "my-server", port: PORT, ...options });
  const clientPort = (await puppet.next("connected")).localPort;
  const atClient: SocketMatch = { protocol: "tcp", localPort: clientPort, remotePort: PORT };
  const atServer: SocketMatch = { protocol: "tcp", localPort: PORT, remotePort: clientPort };
  await waitForSocket(server, { ...atServer, state: "ESTABLISHED" }, { timeoutMs: WAIT_MS, peer: client });
  return { puppet, atClient, atServer };
}

describe("my-server in the lab", () => {
  it("listens on 8080, held by its own process", async () => {
    const [atServer] = await readEnds(server, client);
    expect(atServer).toHaveSocket({ protocol: "tcp", localPort: PORT, state: "LISTEN", owned: true });
  });

  it("answers a request sent with nc from the workbench", async () => {
    expect(await lab.sh("workbench", GET_HEALTH)).toMatch(/^HTTP\/1\.[01] 200 /);
  });

  it("holds an idle connection as ESTABLISHED at both ends", async () => {
    const { puppet, atClient, atServer } = await connectFromWorkbench();
    await using _open = puppet;
    const [clientEnd, serverEnd] = await readEnds(client, server);
    expect(clientEnd).toHaveSocketInState({ ...atClient, owned: true }, "ESTABLISHED");
    expect(serverEnd).toHaveSocketInState({ ...atServer, owned: true }, "ESTABLISHED");
  });

  it("closes its side when a client half-closes: TIME_WAIT at the client, nothing at the server", async () => {
    const { puppet, atClient, atServer } = await connectFromWorkbench({ allowHalfOpen: true });
    await using _open = puppet;
    puppet.send({ op: "end" });
    // Only the server's FIN moves the client from FIN_WAIT2 to TIME_WAIT. A server that forgets
    // to close fails here, and the message shows both tables: CLOSE_WAIT at the server.
    await waitForSocket(client, { ...atClient, state: "TIME_WAIT" }, { timeoutMs: WAIT_MS, peer: server });
    await waitForNoSocket(server, atServer, { timeoutMs: WAIT_MS, peer: client });
  });

  it("keeps serving after a client resets in the middle of a request", async () => {
    const { puppet, atServer } = await connectFromWorkbench();
    await using _open = puppet;
    puppet.send({ op: "writeFrames", hex: Buffer.from("GET /heal").toString("hex"), writes: 1 });
    await puppet.next("written");
    puppet.send({ op: "reset" });
    await waitForNoSocket(server, atServer, { timeoutMs: WAIT_MS, peer: client });
    expect(await lab.sh("workbench", GET_HEALTH)).toMatch(/^HTTP\/1\.[01] 200 /);
  });
});
