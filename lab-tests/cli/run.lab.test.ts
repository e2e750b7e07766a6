import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLab, type Lab } from "../../labkit/lab/start-lab.ts";
import { runSocklab } from "../support/run-socklab.ts";

const execFileAsync = promisify(execFile);

// A learner's first server: TCP echo on 9999, IPv4 and IPv6, one client at a time.
const ECHO_SERVER = `import socket

server = socket.create_server(("", 9999), family=socket.AF_INET6, dualstack_ipv6=True)
print("listening on 9999")
while True:
    conn, peer = server.accept()
    with conn:
        while data := conn.recv(4096):
            conn.sendall(data)
`;
const CRASHING_SERVER = `raise SystemExit("boom: this server gave up at once")\n`;

interface ServiceStatus {
  service: string;
  state: string;
  ports: { port: number; protocol: string }[];
}

interface InspectedContainer {
  Config: { User: string; Labels: Record<string, string> };
  HostConfig: {
    ReadonlyRootfs: boolean;
    CapDrop: string[] | null;
    CapAdd: string[] | null;
    SecurityOpt: string[] | null;
    Memory: number;
    PidsLimit: number;
  };
}

let lab: Lab;
let dir: string;

beforeAll(async () => {
  lab = await startLab();
  dir = await mkdtemp(path.join(tmpdir(), "socklab-run-"));
  await writeFile(path.join(dir, "echo_server.py"), ECHO_SERVER);
  await writeFile(path.join(dir, "crash.py"), CRASHING_SERVER);
});

afterAll(async () => {
  // Whatever a failed test left: `down` removes the lab's containers, those of `run` included.
  await runSocklab(lab, ["down"]);
  await lab.down();
  await rm(dir, { recursive: true, force: true });
});

async function status(): Promise<ServiceStatus[]> {
  return JSON.parse((await runSocklab(lab, ["status", "--json"])).stdout) as ServiceStatus[];
}

async function inspect(container: string): Promise<InspectedContainer> {
  const { stdout } = await execFileAsync("docker", ["inspect", container]);
  return (JSON.parse(stdout) as InspectedContainer[])[0] as InspectedContainer;
}

describe("socklab run FILE", () => {
  it("runs the learner's server in a hardened container of its own, reached from the workbench by name, shown by status and netstat, removed by stop", async () => {
    const started = await runSocklab(lab, ["run", path.join(dir, "echo_server.py"), "--port", "9999"]);
    expect(started.stderr).toBe("");
    expect(started.exitCode).toBe(0);
    expect(started.stdout).toContain("reach it from the workbench as echo-server:9999");

    expect(await lab.sh("workbench", "echo hi | nc -N echo-server 9999")).toBe("hi\n");

    const server = (await status()).find((s) => s.service === "echo-server");
    expect(server).toMatchObject({ state: "running", ports: [{ port: 9999, protocol: "tcp" }] });
    const netstat = await runSocklab(lab, ["netstat", "echo-server"]);
    expect(netstat.exitCode).toBe(0);
    expect(netstat.stdout).toMatch(/^tcp6 +0 +0 \[::\]:9999 +\[::\]:\* +LISTEN +\d+\/python3$/m);

    const container = await inspect(`${lab.projectName}-echo-server-1`);
    expect(container.Config.User).toBe("10001:10001");
    expect(container.HostConfig).toMatchObject({
      ReadonlyRootfs: true,
      CapDrop: ["ALL"],
      CapAdd: null,
      SecurityOpt: ["no-new-privileges:true"],
      Memory: 256 * 1024 * 1024,
      PidsLimit: 128,
    });

    const stopped = await runSocklab(lab, ["stop", "echo-server"]);
    expect(stopped).toMatchObject({ exitCode: 0, stdout: "removed echo-server\n" });
    expect((await status()).map((s) => s.service)).not.toContain("echo-server");
  });

  it("exits 4 with the server's last lines when it exits instead of listening, and leaves nothing", async () => {
    const run = await runSocklab(lab, ["run", path.join(dir, "crash.py"), "--port", "9998"]);
    expect(run.exitCode).toBe(4);
    expect(run.stderr).toContain("boom: this server gave up at once");
    expect((await status()).map((s) => s.service)).not.toContain("crash");
  });

  it("exits 2 on a name the lab already has, before starting anything", async () => {
    const run = await runSocklab(lab, ["run", path.join(dir, "echo_server.py"), "--name", "tcp-echo"]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toBe("socklab: ERR_USAGE: tcp-echo is already a name in the lab\n");
  });

  it("exits 2 on stop of a name that run did not start, and leaves the lab's own services alone", async () => {
    const run = await runSocklab(lab, ["stop", "tcp-echo"]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toMatch(/^socklab: ERR_USAGE: no server named tcp-echo was started by socklab run/);
    expect((await status()).find((s) => s.service === "tcp-echo")).toMatchObject({ state: "running" });
  });

  it("is removed by down with the rest of the lab", async () => {
    const started = await runSocklab(lab, [
      "run",
      path.join(dir, "echo_server.py"),
      "--name",
      "kept",
      "--port",
      "9999",
    ]);
    expect(started.exitCode).toBe(0);
    const down = await runSocklab(lab, ["down"]);
    expect(down.exitCode).toBe(0);
    const { stdout } = await execFileAsync("docker", [
      "ps",
      "--all",
      "--quiet",
      "--filter",
      `label=com.docker.compose.project=${lab.projectName}`,
    ]);
    expect(stdout).toBe("");
  });
});
