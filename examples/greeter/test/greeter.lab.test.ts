// The example's lab tests: its own stack, started and inspected through socklab, imported by name.
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  readEnds,
  startLab,
  startPuppet,
  waitForNoSocket,
  waitForSocket,
  type Lab,
  type LabContainer,
} from "socklab";
import "socklab/matchers";

const PROJECT_DIR = fileURLToPath(new URL("..", import.meta.url));
const PORT = 7070;
const WAIT_MS = 8_000;

let lab: Lab;
let server: LabContainer;
let client: LabContainer;

beforeAll(async () => {
  lab = await startLab({ projectDir: PROJECT_DIR, files: ["compose.yml"], build: true });
  server = lab.container("greeter");
  client = lab.container("client");
  await waitForSocket(server, { protocol: "tcp", localPort: PORT, state: "LISTEN" }, { timeoutMs: WAIT_MS });
});

afterAll(() => lab?.down());

describe("greeter", () => {
  it("answers a line, with the connection ESTABLISHED at both ends", async () => {
    await using puppet = await startPuppet("client", client.id);
    puppet.send({ op: "connect", host: "greeter", port: PORT });
    const { localPort } = await puppet.next("connected");
    puppet.send({ op: "writeText", text: "ada\n" });
    await puppet.next("data");
    puppet.send({ op: "readText" });
    expect((await puppet.next("text")).text).toBe("hello ada\n");

    const [atClient, atServer] = await readEnds(client, server);
    expect(atClient).toHaveSocketInState({ localPort, remotePort: PORT }, "ESTABLISHED");
    expect(atServer).toHaveSocketInState({ localPort: PORT, remotePort: localPort }, "ESTABLISHED");
  });

  it("leaves TIME_WAIT on the client, which closes first, and no socket on the server", async () => {
    await using puppet = await startPuppet("client", client.id);
    puppet.send({ op: "connect", host: "greeter", port: PORT });
    const { localPort } = await puppet.next("connected");
    puppet.send({ op: "end" });
    await puppet.next("close");

    await waitForSocket(
      client,
      { localPort, remotePort: PORT, state: "TIME_WAIT" },
      { timeoutMs: WAIT_MS, peer: server },
    );
    await waitForNoSocket(
      server,
      { localPort: PORT, remotePort: localPort },
      { timeoutMs: WAIT_MS, peer: client },
    );
  });

  it("leaks no CLOSE_WAIT: the server closes its side when a client half-closes", async () => {
    await using puppet = await startPuppet("client", client.id);
    puppet.send({ op: "connect", host: "greeter", port: PORT, allowHalfOpen: true });
    const { localPort } = await puppet.next("connected");
    puppet.send({ op: "end" });
    // The server's FIN comes back: the client reads the end of the stream.
    await puppet.next("end");
    const [, atServer] = await readEnds(client, server);
    expect(atServer).not.toHaveSocket({ localPort: PORT, remotePort: localPort, state: "CLOSE_WAIT" });
  });
});
