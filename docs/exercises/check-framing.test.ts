// Exercise 4's checker (check_framing.py, as the workbench runs it) grading framings a learner might
// write, through the real tcp-echo server on 127.0.0.1.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTcpEchoServer, type TcpEchoServer } from "../../services/tcp-echo/tcp-echo-server.ts";

const CHECKER = fileURLToPath(new URL("check_framing.py", import.meta.url));

// Reads exactly n bytes with a loop; `order` is struct's byte-order character.
const framing = (order: "!" | "<", onEarlyEnd: string) => `import struct


def send_msg(sock, body):
    sock.sendall(struct.pack("${order}I", len(body)) + body)


def _exactly(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            ${onEarlyEnd}
        data += chunk
    return data


def recv_msg(sock):
    (n,) = struct.unpack("${order}I", _exactly(sock, 4))
    return _exactly(sock, n)
`;

const CORRECT = framing("!", 'raise ConnectionError("closed mid-message")');
const LITTLE_ENDIAN = framing("<", 'raise ConnectionError("closed mid-message")');
const SHORT_ON_CLOSE = framing("!", "return data");
// The seed's: the machine's byte order, and one recv() taken for a whole message.
const SEED = `import struct


def send_msg(sock, body):
    sock.send(struct.pack("i", len(body)) + body)


def recv_msg(sock):
    (n,) = struct.unpack("i", sock.recv(4))
    return sock.recv(n)
`;

let echo: TcpEchoServer;
let workDir: string;

beforeAll(async () => {
  echo = await startTcpEchoServer({
    host: "127.0.0.1",
    port: 0,
    idleTimeoutMs: 0,
    maxConnections: 100,
    log: () => undefined,
  });
  workDir = await mkdtemp(path.join(tmpdir(), "socklab-framing-"));
});

afterAll(async () => {
  await echo.close(0);
  await rm(workDir, { recursive: true, force: true });
});

async function check(name: string, source: string): Promise<{ exitCode: number | null; stdout: string }> {
  await writeFile(path.join(workDir, `${name}.py`), source);
  const child = spawn(
    "python3",
    [CHECKER, "--framing", `${name}.py`, "--host", "127.0.0.1", "--port", String(echo.address.port)],
    { cwd: workDir, stdio: ["ignore", "pipe", "inherit"] },
  );
  let stdout = "";
  child.stdout.setEncoding("utf8").on("data", (text: string) => (stdout += text));
  const [exitCode] = (await once(child, "close")) as [number | null];
  return { exitCode, stdout };
}

describe("exercise 4's checker", () => {
  it("passes a framing with a big-endian length and exact reads", async () => {
    const run = await check("correct", CORRECT);
    expect(run.stdout).toMatch(/^OK: all 4 checks passed$/m);
    expect(run.exitCode).toBe(0);
  });

  it("fails a little-endian framing, though it agrees with itself", async () => {
    const run = await check("little_endian", LITTLE_ENDIAN);
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toMatch(
      /^FAIL: send_msg writes a 4-byte big-endian length.*\(that is little-endian\)/m,
    );
    expect(run.stdout).toMatch(/^FAIL: recv_msg reads frames written by another program/m);
  });

  it("fails a recv_msg that returns a short body when the connection ends mid-message", async () => {
    const run = await check("short_on_close", SHORT_ON_CLOSE);
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toMatch(
      /^FAIL: recv_msg raises ConnectionError when the connection ends mid-message: 10 of 100 bytes/m,
    );
  });

  it("fails the seed's framing", async () => {
    const run = await check("seed", SEED);
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toMatch(/^FAIL: send_msg writes a 4-byte big-endian length/m);
  });
});
