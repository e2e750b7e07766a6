import { execFile } from "node:child_process";
import { chmod, copyFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLab, type Lab } from "../../labkit/lab/start-lab.ts";
import { runSocklab } from "../support/run-socklab.ts";

const execFileAsync = promisify(execFile);
// The exercise-8 solution the checks' own lab tests use: a learner's select() echo server.
const EXERCISE_FIXTURES = path.join(import.meta.dirname, "..", "exercises", "fixtures");
const SELECT_SERVER = path.join(EXERCISE_FIXTURES, "select_echo.py");

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
  it("runs a learner's select() server that socklab check 8 grades, and logs shows its output", async () => {
    await copyFile(SELECT_SERVER, path.join(dir, "select_echo.py"));
    const started = await runSocklab(lab, ["run", path.join(dir, "select_echo.py"), "--port", "9008"]);
    expect(started.exitCode, started.stderr).toBe(0);
    try {
      const check = await runSocklab(lab, ["check", "8", "--host", "select-echo", "--port", "9008"]);
      expect(check.exitCode, check.stdout + check.stderr).toBe(0);
      expect(check.stdout).toContain("PASS exercise 8");
      const logs = await runSocklab(lab, ["logs", "select-echo", "--tail", "5"]);
      expect(logs.exitCode, logs.stderr).toBe(0);
      expect(logs.stdout + logs.stderr).toContain("select_echo listening on port 9008");
    } finally {
      await runSocklab(lab, ["stop", "select-echo"]);
    }
  });

  // Exercise 4 has frame_echo.py import the learner's framing.py beside it, as `python3 frame_echo.py` would.
  it("runs a file in its own folder, so that it imports its neighbours: exercise 4's server, graded by check 4", async () => {
    const exercise4 = await mkdtemp(path.join(dir, "exercise-4-"));
    for (const file of ["frame_echo.py", "framing.py"])
      await copyFile(path.join(EXERCISE_FIXTURES, file), path.join(exercise4, file));
    const started = await runSocklab(lab, ["run", path.join(exercise4, "frame_echo.py"), "--port", "9004"]);
    try {
      expect(started.exitCode, started.stderr).toBe(0);
      const check = await runSocklab(lab, ["check", "4", "--host", "frame-echo"]);
      expect(check.exitCode, check.stdout + check.stderr).toBe(0);
      expect(check.stdout).toContain("PASS exercise 4");
    } finally {
      await runSocklab(lab, ["stop", "frame-echo"]);
    }
  });

  // mkdtemp's folders are mode 0700, closed to the container's user, as a learner's home often is.
  it("runs a folder closed to others (mode 0700) with its subfolders, under the folder's name", async () => {
    const folder = path.join(dir, "My_Echo");
    await mkdir(path.join(folder, "lib"), { recursive: true });
    await chmod(folder, 0o700);
    await chmod(path.join(folder, "lib"), 0o700);
    await writeFile(path.join(folder, "lib", "port.py"), "PORT = 9997\n");
    await writeFile(
      path.join(folder, "main.py"),
      ECHO_SERVER.replace("import socket\n", "import socket\nfrom lib.port import PORT\n").replace(
        '("", 9999)',
        '("", PORT)',
      ),
    );
    const started = await runSocklab(lab, ["run", folder, "--port", "9997"]);
    try {
      expect(started.exitCode, started.stderr).toBe(0);
      expect(started.stdout).toContain("reach it from the workbench as my-echo:9997");
      expect(await lab.sh("workbench", "echo hi | nc -N my-echo 9997")).toBe("hi\n");
    } finally {
      await runSocklab(lab, ["stop", "my-echo"]);
    }
  });

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
    expect(run.stderr).toMatch(
      /^socklab: ERR_USAGE: no server named tcp-echo was started by (npx )?socklab run/,
    );
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
