import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readJsonLogLines } from "../../labkit/docker/read-container-logs.ts";
import { startLab, type Lab } from "../../labkit/lab/start-lab.ts";
import { waitFor } from "../../labkit/wait-for.ts";

const MIB = 1024 * 1024;

// Runs in the workbench: 200 clients at once, each sending its own bytes, each checking its reply.
const CONCURRENT_CLIENTS_SCRIPT = `
import { randomBytes } from "node:crypto";
import { tcpEcho } from "/app/clients/echo/tcp-echo-client.ts";
const clients = Number(process.argv[1]);
const results = await Promise.allSettled(Array.from({ length: clients }, async (_, i) => {
  const data = Buffer.concat([Buffer.from("client " + i + ":"), randomBytes(4096 + i)]);
  const reply = await tcpEcho({ host: "tcp-echo", port: 7, data, timeoutMs: 30000 });
  return reply.equals(data);
}));
console.log(JSON.stringify({
  matched: results.filter((r) => r.status === "fulfilled" && r.value).length,
  failed: results.filter((r) => r.status === "rejected").map((r) => String(r.reason)),
}));
`;

describe("tcp-echo, driven from the workbench", () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab();
  });
  afterAll(async () => {
    await lab.down();
  });

  it("echoes a line typed into nc", async () => {
    expect(await lab.sh("workbench", "printf 'hello lab\\n' | nc -N tcp-echo 7")).toBe("hello lab\n");
  });

  it("echoes an empty stream as an empty stream", async () => {
    expect(await lab.sh("workbench", "nc -N tcp-echo 7 </dev/null | wc -c")).toBe("0\n");
  });

  it("echoes 100 MiB of random binary data byte for byte", async () => {
    const script = `head -c ${100 * MIB} /dev/urandom >/tmp/sent && nc -N tcp-echo 7 </tmp/sent | sha256sum && sha256sum </tmp/sent && rm /tmp/sent`;
    const [received, sent] = (await lab.sh("workbench", script)).trim().split("\n");
    expect(received).toMatch(/^[0-9a-f]{64} /);
    expect(received).toBe(sent);
  });

  it("echoes through the socklab client", async () => {
    expect(await lab.sh("workbench", "socklab echo 'hello from socklab'")).toBe("hello from socklab\n");
    const rounds = (await lab.sh("workbench", "socklab echo --size 300000 --count 3 --json"))
      .trim()
      .split("\n");
    expect(rounds.map((line) => JSON.parse(line) as { match: boolean; receivedBytes: number })).toEqual([
      expect.objectContaining({ match: true, receivedBytes: 300_000 }),
      expect.objectContaining({ match: true, receivedBytes: 300_000 }),
      expect.objectContaining({ match: true, receivedBytes: 300_000 }),
    ]);
  });

  it("gives each of 200 concurrent clients exactly its own bytes back", async () => {
    const run = await lab.exec("workbench", [
      "node",
      "--input-type=module",
      "-e",
      CONCURRENT_CLIENTS_SCRIPT,
      "200",
    ]);
    expect(run.stderr).toBe("");
    expect(JSON.parse(run.stdout)).toEqual({ matched: 200, failed: [] });
  });

  it("logs one line per connection with the peer, the bytes each way and how it ended", async () => {
    const workbenchAddress = (await lab.sh("workbench", "hostname -i")).trim();
    await lab.sh("workbench", "printf 'abc' | nc -N tcp-echo 7");
    const closeLine = await waitFor(
      async () =>
        (await readJsonLogLines(lab.containerId("tcp-echo"))).find(
          (line) => line["event"] === "close" && line["bytesIn"] === 3,
        ),
      { timeoutMs: 5_000, what: "tcp-echo to log the close of a 3-byte exchange" },
    );
    expect(closeLine).toMatchObject({ end: "fin", bytesIn: 3, bytesOut: 3 });
    expect(closeLine["peer"]).toMatch(new RegExp(`^${workbenchAddress.replaceAll(".", "\\.")}:\\d+$`));
  });
});
