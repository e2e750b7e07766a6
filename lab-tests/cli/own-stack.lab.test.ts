// The socklab command on a stack that is not socklab's: the example project's own compose file,
// named with -f and -p (or COMPOSE_FILE), as docker compose takes them.
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import packageJson from "../../package.json" with { type: "json" };
import { dockerClient } from "../../labkit/docker/docker-client.ts";
import { REPO_ROOT } from "../../labkit/lab/lab-project.ts";
import { startLab, type Lab } from "../../labkit/lab/start-lab.ts";
import { waitForSocket } from "../../labkit/socket-table/wait-for-socket.ts";
import { runSocklab } from "../support/run-socklab.ts";

const EXAMPLE_DIR = path.join(REPO_ROOT, "examples", "greeter");
const COMPOSE_FILE = path.join(EXAMPLE_DIR, "compose.yml");
const NODE_IMAGE = `node:${packageJson.devDependencies.node}-bookworm-slim`;

let lab: Lab;

beforeAll(async () => {
  lab = await startLab({
    projectDir: EXAMPLE_DIR,
    files: ["compose.yml"],
    env: { NODE_IMAGE },
    build: true,
  });
  await waitForSocket(lab.container("greeter"), { localPort: 7070, state: "LISTEN" }, { timeoutMs: 8_000 });
});

afterAll(async () => {
  await lab.down();
  await dockerClient()
    .getImage("socklab-example/greeter:latest")
    .remove({ force: true })
    .catch(() => undefined);
});

const onStack = () => ["-f", COMPOSE_FILE, "-p", lab.projectName];

describe("socklab on a user's own compose stack", () => {
  it("netstat -f -p shows the stack's own containers' sockets", async () => {
    const run = await runSocklab(lab, ["netstat", ...onStack(), "greeter", "--json"]);
    expect(run.exitCode, run.stderr).toBe(0);
    const [table] = JSON.parse(run.stdout) as {
      service: string;
      sockets: { localPort: number; state: string }[];
    }[];
    expect(table?.service).toBe("greeter");
    expect(table?.sockets).toContainEqual(expect.objectContaining({ localPort: 7070, state: "LISTEN" }));
  });

  it("status lists the stack's services, with -f and -p before the command", async () => {
    const run = await runSocklab(lab, [...onStack(), "status", "--json"]);
    expect(run.exitCode, run.stderr).toBe(0);
    const services = (JSON.parse(run.stdout) as { service: string }[]).map((s) => s.service);
    expect(services).toEqual(["client", "greeter"]);
  });

  it("logs takes the stack from COMPOSE_FILE, as compose does", async () => {
    const run = await runSocklab(lab, ["logs", "greeter"], { env: { COMPOSE_FILE } });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toContain("greeter listening on 7070");
  });

  it("names a service the stack does not have and lists those it has (exit 2)", async () => {
    const run = await runSocklab(lab, ["netstat", ...onStack(), "tcp-echo"]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('ERR_UNKNOWN_SERVICE: no service "tcp-echo"');
    expect(run.stderr).toContain("its services: client, greeter");
  });

  it("says a project with no running containers is not running (exit 5)", async () => {
    const run = await runSocklab(lab, ["netstat", "-f", COMPOSE_FILE, "-p", "socklab-test-never-started"]);
    expect(run.exitCode).toBe(5);
    expect(run.stderr).toContain("ERR_LAB_DOWN");
    expect(run.stderr).toContain("compose project socklab-test-never-started");
  });

  it("names a compose file that does not exist (exit 2)", async () => {
    const missing = path.join(EXAMPLE_DIR, "no-such-compose.yml");
    const run = await runSocklab(lab, ["status", "-f", missing]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain(`ERR_COMPOSE_FILE_MISSING: no such compose file: ${missing}`);
  });
});
