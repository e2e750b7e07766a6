import { execFile } from "node:child_process";
import { createHash, randomBytes, randomInt } from "node:crypto";
import { once } from "node:events";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countPcapPackets } from "../../cli/capture/count-pcap-packets.ts";
import { COMPOSE_PROJECT_LABEL, REPO_ROOT, TEST_PROJECT_PREFIX } from "../../labkit/lab/lab-project.ts";
import { readJsonLogLines } from "../../labkit/docker/read-container-logs.ts";
import { runSocklab, spawnSocklab } from "../support/run-socklab.ts";
import { startLab, type Lab } from "../../labkit/lab/start-lab.ts";
import { waitFor } from "../../labkit/wait-for.ts";

const execFileAsync = promisify(execFile);

interface ServiceStatus {
  service: string;
  state: string;
  health: string;
  addresses: string[];
  ports: { port: number; protocol: string; published: string[] }[];
}

let lab: Lab;
let hostDir: string;

beforeAll(async () => {
  lab = await startLab();
  hostDir = await mkdtemp(path.join(tmpdir(), "socklab-cli-"));
});

afterAll(async () => {
  await rm(hostDir, { recursive: true, force: true });
  await lab.down();
});

describe("the socklab command against a running lab", () => {
  it("status: every service running and healthy, with its address on labnet and the ports it listens on", async () => {
    const json = await runSocklab(lab, ["status", "--json"]);
    expect(json.exitCode).toBe(0);
    const status = JSON.parse(json.stdout) as ServiceStatus[];
    expect(status.map((s) => s.service)).toEqual([
      "chat",
      "file-transfer",
      "tcp-echo",
      "udp-echo",
      "workbench",
    ]);
    for (const s of status.filter((s) => s.service !== "workbench"))
      expect(s).toMatchObject({ state: "running", health: "healthy" });
    for (const s of status) expect(s.addresses[0]).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    // Read from each container's sockets: nothing in the compose file or the images declares them.
    expect(Object.fromEntries(status.map((s) => [s.service, s.ports]))).toEqual({
      chat: [{ port: 6667, protocol: "tcp", published: [] }],
      "file-transfer": [{ port: 9000, protocol: "tcp", published: [] }],
      "tcp-echo": [{ port: 7, protocol: "tcp", published: [] }],
      "udp-echo": [{ port: 7, protocol: "udp", published: [] }],
      workbench: [],
    });
    const table = (await runSocklab(lab, ["status"])).stdout;
    expect(table).toMatch(/^SERVICE +STATE +HEALTH +ADDRESS +PORTS$/m);
    expect(table).toMatch(/^tcp-echo +running +healthy +\d+\.\d+\.\d+\.\d+ +7\/tcp$/m);
    expect(table).toMatch(/^udp-echo +running +healthy +\d+\.\d+\.\d+\.\d+ +7\/udp$/m);
    expect(table).toMatch(/^workbench +running +- +\d+\.\d+\.\d+\.\d+ +-$/m);
  });

  it("logs: a service's JSON log lines", async () => {
    const { exitCode, stdout } = await runSocklab(lab, ["logs", "tcp-echo"]);
    expect(exitCode).toBe(0);
    // One JSON object per line, and nothing else: no terminal control sequences either.
    const lines = stdout.trimEnd().split("\n");
    expect(lines.map((line) => (JSON.parse(line) as { service: string }).service)).toEqual(
      lines.map(() => "tcp-echo"),
    );
    expect(stdout).toContain('"message":"tcp-echo listening on [::]:7"');
  });

  it("logs hides the healthchecks' lines unless asked, and --tail counts the lines shown", async () => {
    const peers = (stdout: string) =>
      stdout
        .trimEnd()
        .split("\n")
        .map((line) => (JSON.parse(line) as { peer?: string }).peer ?? "")
        .filter((peer) => peer !== "");
    const fromLoopback = (peer: string) => /^(127\.|\[::1\]|\[::ffff:127\.)/.test(peer);
    const withChecks = await runSocklab(lab, ["logs", "tcp-echo", "--healthchecks"]);
    expect(withChecks.exitCode).toBe(0);
    expect(peers(withChecks.stdout).some(fromLoopback)).toBe(true);
    const plain = await runSocklab(lab, ["logs", "tcp-echo"]);
    expect(peers(plain.stdout).some(fromLoopback)).toBe(false);
    const tail = await runSocklab(lab, ["logs", "tcp-echo", "--tail", "2"]);
    expect(tail.stdout.trimEnd().split("\n")).toEqual(plain.stdout.trimEnd().split("\n").slice(-2));
  });

  it("logs without a service: the lines of every service", async () => {
    const { exitCode, stdout } = await runSocklab(lab, ["logs"]);
    expect(exitCode).toBe(0);
    const services = new Set(
      stdout
        .trimEnd()
        .split("\n")
        .map((line) => (JSON.parse(line) as { service: string }).service),
    );
    expect([...services].sort()).toEqual(["chat", "file-transfer", "tcp-echo", "udp-echo"]);
  });

  it("logs -f: prints lines logged after it started, and stops with docker compose when killed", async () => {
    const follow = spawnSocklab(lab, ["logs", "-f", "tcp-echo"]);
    let output = "";
    follow.stdout?.setEncoding("utf8").on("data", (text: string) => (output += text));
    try {
      await waitFor(() => (output.includes("tcp-echo listening on") ? true : undefined), {
        timeoutMs: 10_000,
        what: "logs -f to print the lines already there",
      });
      // A source port of our choosing names the connection in tcp-echo's close line.
      const sourcePort = randomInt(40_000, 50_000);
      await lab.sh("workbench", `echo hi | nc -N -p ${sourcePort} tcp-echo 7`);
      const peer = `${await addressOf("workbench")}:${sourcePort}`;
      await waitFor(() => (output.includes(`"event":"close","peer":"${peer}"`) ? true : undefined), {
        timeoutMs: 10_000,
        what: `logs -f to print the close of the connection from ${peer}`,
        describeLast: () => output,
      });
      const followers = await descendantsOf(follow.pid ?? -1);
      expect(followers.length).toBeGreaterThan(0); // docker compose logs --follow, under socklab
      follow.kill("SIGTERM");
      const [code] = (await once(follow, "close")) as [number | null];
      expect(code).toBe(130);
      await waitFor(async () => ((await stillRunning(followers)).length === 0 ? true : undefined), {
        timeoutMs: 10_000,
        what: "docker compose logs --follow to stop with socklab",
      });
    } finally {
      if (follow.exitCode === null && follow.signalCode === null) follow.kill("SIGKILL");
    }
  });

  it("echo: round trips from the host, through the workbench, over TCP and UDP", async () => {
    expect(await runSocklab(lab, ["echo", "hello lab"])).toMatchObject({
      exitCode: 0,
      stdout: "hello lab\n",
    });
    const udp = await runSocklab(lab, ["echo", "--udp", "--count", "2", "--size", "1473", "--json"]);
    expect(udp.exitCode).toBe(0);
    expect(
      udp.stdout
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as { match: boolean }),
    ).toEqual([expect.objectContaining({ match: true }), expect.objectContaining({ match: true })]);
    expect((await runSocklab(lab, ["echo", "--count", "0"])).exitCode).toBe(2);
  });

  it("shell: runs a command in the workbench", async () => {
    const { exitCode, stdout } = await runSocklab(lab, ["shell", "echo hi | nc -N tcp-echo 7 && id -u"]);
    expect(exitCode).toBe(0);
    expect(stdout).toBe("hi\n0\n");
  });

  it("put, ls, get, rm: a host file through the file-transfer service and back, hash checked", async () => {
    const original = randomBytes(3 * 1024 * 1024);
    await writeFile(path.join(hostDir, "host.bin"), original);
    const put = await runSocklab(lab, ["put", path.join(hostDir, "host.bin"), "--json"]);
    expect(put.exitCode).toBe(0);
    expect(JSON.parse(put.stdout)).toMatchObject({ name: "host.bin", size: original.length });
    const ls = await runSocklab(lab, ["ls", "--json"]);
    expect((JSON.parse(ls.stdout) as { name: string }[]).map((f) => f.name)).toContain("host.bin");
    const get = await runSocklab(lab, ["get", "host.bin", path.join(hostDir, "back.bin")]);
    expect(get.exitCode).toBe(0);
    expect((await readFile(path.join(hostDir, "back.bin"))).equals(original)).toBe(true);
    expect((await runSocklab(lab, ["rm", "host.bin"])).exitCode).toBe(0);
    const missing = await runSocklab(lab, ["get", "host.bin", path.join(hostDir, "again.bin")]);
    expect(missing.exitCode).toBe(6);
    expect(missing.stderr).toContain("NOT_FOUND");
  });

  it("chat: says what stdin holds in a room, and shows what others say", async () => {
    const listener = spawnSocklab(lab, ["chat", "--nick", "listener", "--room", "#cli"]);
    let heard = "";
    listener.stdout?.setEncoding("utf8").on("data", (text: string) => (heard += text));
    try {
      await waitFor(
        async () => {
          const who = await runSocklab(lab, ["chat", "--nick", "checker", "--room", "#cli"], {
            input: "/who\n",
          });
          return who.stdout.includes("listener") ? true : undefined;
        },
        { timeoutMs: 10_000, what: "the listener to be in #cli" },
      );
      const said = await runSocklab(lab, ["chat", "--nick", "speaker", "--room", "#cli"], {
        input: "hello from the cli\n",
      });
      expect(said.exitCode).toBe(0);
      await waitFor(() => (heard.includes("speaker: hello from the cli") ? true : undefined), {
        timeoutMs: 10_000,
        what: "the listener to see the speaker's line",
        describeLast: () => heard,
      });
    } finally {
      listener.kill("SIGTERM");
    }
  });

  it("chat on a terminal: an incoming line never garbles the line being typed", async () => {
    // script(1) gives the client a terminal; "hel" is typed and never sent (no Enter).
    await lab.sh(
      "workbench",
      `(printf 'hel'; sleep 20) | script -qfc "socklab chat --nick typist --room '#tty'" /dev/null >/tmp/tty.out 2>&1 &`,
    );
    const typed = "#tty typist> hel";
    const raw = async () => lab.sh("workbench", "cat /tmp/tty.out");
    // What the terminal shows, without the cursor movements: readline redraws with escape sequences.
    const escapes = new RegExp(`${String.fromCharCode(0x1b)}\\[[0-9;]*[A-Za-z]`, "g");
    const screen = async () => (await raw()).replace(escapes, "");
    await waitFor(async () => ((await screen()).includes(typed) ? true : undefined), {
      timeoutMs: 10_000,
      what: "the typist's prompt with what was typed",
    });
    const said = await runSocklab(lab, ["chat", "--nick", "talker", "--room", "#tty"], {
      input: "hi there\n",
    });
    expect(said.exitCode).toBe(0);
    const shown = await waitFor(
      async () => {
        const text = await screen();
        const at = text.indexOf("talker: hi there");
        return at >= 0 && text.indexOf(typed, at) > at ? text : undefined;
      },
      { timeoutMs: 10_000, what: "the line to arrive above a redrawn prompt" },
    );
    // The typed line is cleared (ESC [2K, then column 1) before the incoming line is printed on its
    // own, and the prompt with "hel" is drawn again below it.
    const esc = String.fromCharCode(0x1b);
    const output = await raw();
    const incoming = output.indexOf(`${esc}[2K${esc}[1Gtalker: hi there\r\n`);
    expect(incoming).toBeGreaterThan(-1);
    expect(output.indexOf("#tty typist> hel", incoming)).toBeGreaterThan(incoming);
    expect(shown).toContain("talker: hi there");
    await lab.sh("workbench", "pkill -f 'nick [t]ypist' || true");
  });

  it("capture: a pcap of a service's traffic, written on the host", async () => {
    const file = path.join(hostDir, "tcp-echo.pcap");
    const capturing = { done: false };
    const capture = runSocklab(lab, [
      "capture",
      "tcp-echo",
      "--seconds",
      "4",
      "--output",
      file,
      "--json",
    ]).finally(() => (capturing.done = true));
    await waitFor(async () => ((await isCapturing()) ? true : undefined), {
      timeoutMs: 10_000,
      what: "the capture to start",
    });
    // Echo exchanges for as long as the capture runs (4 s): some land after tcpdump has opened eth0.
    while (!capturing.done) await lab.sh("workbench", "echo ping | nc -N tcp-echo 7");
    const result = await capture;
    expect(result.exitCode).toBe(0);
    const summary = JSON.parse(result.stdout) as { packets: number; file: string };
    expect(summary.file).toBe(file);
    expect(summary.packets).toBeGreaterThan(0);
    expect(countPcapPackets(await readFile(file))).toBe(summary.packets);
  });

  it("capture: says when tcpdump is listening, and what is sent right after that is in the pcap", async () => {
    const file = path.join(hostDir, "right-after-listening.pcap");
    const marker = `sent-right-after-listening-${randomBytes(4).toString("hex")}`;
    const capture = spawnSocklab(lab, ["capture", "tcp-echo", "--seconds", "5", "--output", file]);
    let stderr = "";
    capture.stderr?.setEncoding("utf8").on("data", (text: string) => (stderr += text));
    const exited = once(capture, "close") as Promise<[number | null]>;
    await waitFor(() => (/listening on/.test(stderr) ? true : undefined), {
      timeoutMs: 30_000,
      what: "capture to say that tcpdump is listening",
      describeLast: () => stderr,
    });
    await lab.sh("workbench", `printf ${marker} | nc -N tcp-echo 7`);
    const [code] = await exited;
    expect(code).toBe(0);
    expect((await readFile(file)).includes(Buffer.from(marker))).toBe(true);
  });

  // A learner stops a long capture with Ctrl-C (SIGINT) or `kill PID` (SIGTERM) as soon as their
  // exchange is done: what they sent must be in the file, and no helper may keep capturing.
  it.each(["SIGINT", "SIGTERM"] as const)(
    "capture: stopped by %s right after an exchange, it writes the exchange and leaves no helper running",
    async (signal) => {
      const file = path.join(hostDir, `stopped-by-${signal}.pcap`);
      const marker = `sent-then-stopped-${randomBytes(4).toString("hex")}`;
      const capture = spawnSocklab(lab, [
        "capture",
        "tcp-echo",
        "--seconds",
        "300",
        "--output",
        file,
        "--json",
      ]);
      let stderr = "";
      let stdout = "";
      capture.stderr?.setEncoding("utf8").on("data", (text: string) => (stderr += text));
      capture.stdout?.setEncoding("utf8").on("data", (text: string) => (stdout += text));
      const exited = once(capture, "close") as Promise<[number | null, NodeJS.Signals | null]>;
      await waitFor(() => (/listening on/.test(stderr) ? true : undefined), {
        timeoutMs: 30_000,
        what: "capture to say that tcpdump is listening",
        describeLast: () => stderr,
      });
      await lab.sh("workbench", `printf ${marker} | nc -N tcp-echo 7`);
      capture.kill(signal);
      const [code, killedBy] = await exited;
      expect({ code, killedBy, stderr }).toMatchObject({ code: 0, killedBy: null });
      const summary = JSON.parse(stdout) as { file: string; packets: number; stoppedBy?: string };
      expect(summary).toMatchObject({ file, stoppedBy: signal });
      const bytes = await readFile(file);
      expect(bytes.includes(Buffer.from(marker))).toBe(true);
      expect(countPcapPackets(bytes)).toBe(summary.packets);
      expect(await isCapturing()).toBe(false);
    },
  );

  it("tour: shows both ends' real sockets at each step, a checked file and a chat that happened", async () => {
    const { exitCode, stdout } = await runSocklab(lab, ["tour"]);
    expect(stdout).not.toContain("this step failed");
    expect(exitCode).toBe(0);
    // The handshake step's connection as a ladder: the workbench's column is the left one.
    expect(stdout).toContain("recorded by `socklab trace`");
    expect(stdout).toMatch(/│─ \[S\] seq 0 win \d+ \+\d+µs ─+▶/);
    expect(stdout).toMatch(/◀─ \[S\.\] seq 0 ack 1 win \d+ \+\d+µs ─+│/);
    expect(stdout).toMatch(/│─ \[F\.\] seq 1 ack 1 win \d+ \+\d+µs ─+▶/);
    expect(stdout).toMatch(/◀─ \[F\.\] seq 1 ack 2 win \d+ \+\d+µs ─+│/);
    for (const state of ["SYN_SENT", "SYN_RECV", "FIN_WAIT2", "CLOSE_WAIT", "TIME_WAIT", "LAST_ACK"])
      expect(stdout).toContain(`■ ${state}`);
    const ip = {
      workbench: await addressOf("workbench"),
      tcpEcho: await addressOf("tcp-echo"),
      fileTransfer: await addressOf("file-transfer"),
      chat: await addressOf("chat"),
    };
    const [workbench, tcpEcho, fileTransfer, chat] = [ip.workbench, ip.tcpEcho, ip.fileTransfer, ip.chat].map(
      escapeRegExp,
    );
    // One row of a table the tour printed, as formatSocketTable writes it.
    const row = (fields: string) => new RegExp(`^${fields}$`, "m");
    const portIn = (pattern: RegExp) => Number(pattern.exec(stdout)?.[1] ?? Number.NaN);
    const queues = "\\d+ +\\d+";

    // Handshake and close: one client port, ESTABLISHED at both ends, then TIME_WAIT at the client,
    // and tcp-echo logged that very connection.
    const echoClient = portIn(
      row(`tcp +${queues} +${workbench}:(\\d+) +${tcpEcho}:7 +ESTABLISHED +\\d+/socket-puppet`),
    );
    expect(echoClient).toBeGreaterThan(0);
    expect(stdout).toMatch(
      row(`tcp6? +${queues} +${tcpEcho}:7 +${workbench}:${echoClient} +ESTABLISHED +\\d+/tcp-echo`),
    );
    expect(stdout).toMatch(row(`tcp +0 +0 +${workbench}:${echoClient} +${tcpEcho}:7 +TIME_WAIT +-`));
    expect(await logLines("tcp-echo")).toContainEqual(
      expect.objectContaining({ event: "close", peer: `${ip.workbench}:${echoClient}`, bytesIn: 0 }),
    );

    // Sticky packets: the 100 bytes of ten writes wait in the reader's Recv-Q.
    expect(stdout).toMatch(
      row(`tcp6? +100 +0 +${tcpEcho}:7400 +${workbench}:\\d+ +ESTABLISHED +\\d+/socket-puppet`),
    );

    // UDP: the workbench's socket, never connected, and udp-echo's, both UNCONN; every size back.
    const wildcard = "(\\[::\\]|0\\.0\\.0\\.0)";
    expect(stdout).toMatch(
      row(`udp +${queues} +0\\.0\\.0\\.0:\\d+ +0\\.0\\.0\\.0:\\* +UNCONN +\\d+/tour-udp`),
    );
    expect(stdout).toMatch(row(`udp6? +${queues} +${wildcard}:7 +${wildcard}:\\* +UNCONN +\\d+/udp-echo`));
    for (const size of [0, 1472, 1473, 65507])
      expect(stdout).toContain(`sent one datagram of ${size} bytes, got one of ${size} back, identical`);

    // File transfer: the connection at both ends halfway, TIME_WAIT at the client after, and the
    // hash shown is the one of the file the store now holds.
    const putClient = portIn(
      row(`tcp +${queues} +${workbench}:(\\d+) +${fileTransfer}:9000 +ESTABLISHED +\\d+/tour-put`),
    );
    expect(putClient).toBeGreaterThan(0);
    expect(stdout).toMatch(
      row(
        `tcp6? +${queues} +${fileTransfer}:9000 +${workbench}:${putClient} +ESTABLISHED +\\d+/file-transfer`,
      ),
    );
    expect(stdout).toMatch(row(`tcp +0 +0 +${workbench}:${putClient} +${fileTransfer}:9000 +TIME_WAIT +-`));
    expect(stdout).toMatch(/put tour\.bin \[#{10}-{10}\] +50% +1048576\/2097152 bytes/);
    const sha256 = /^ {2}sha256 ([0-9a-f]{64})$/m.exec(stdout)?.[1];
    const fetched = path.join(hostDir, "tour.bin");
    expect((await runSocklab(lab, ["get", "tour.bin", fetched])).exitCode).toBe(0);
    expect(
      createHash("sha256")
        .update(await readFile(fetched))
        .digest("hex"),
    ).toBe(sha256);

    // Chat: the lines went from alice to bob and back, and the server held one socket per user:
    // the very connections it logged the close of, for alice and for bob.
    expect(stdout).toContain("bob received in #tour: alice: hello, bob");
    expect(stdout).toContain("alice received in #tour: bob: hi alice!");
    const chatRow = new RegExp(
      `^tcp6? +${queues} +${chat}:6667 +${workbench}:(\\d+) +ESTABLISHED +\\d+/chat$`,
      "gm",
    );
    const userPorts = [...stdout.matchAll(chatRow)].map((m) => Number(m[1]));
    expect(userPorts).toHaveLength(2);
    const closes = await waitFor(
      async () => {
        const lines = (await logLines("chat")).filter((line) => line["event"] === "close");
        const nicks = userPorts.map(
          (port) => lines.find((l) => l["peer"] === `${ip.workbench}:${port}`)?.["nick"],
        );
        return nicks.every((nick) => nick !== undefined) ? nicks : undefined;
      },
      { timeoutMs: 10_000, what: "chat to log the close of both users' connections" },
    );
    expect(closes.sort()).toEqual(["alice", "bob"]);

    const exercises = (await readdir(path.join(REPO_ROOT, "docs", "exercises"))).filter((f) =>
      /^\d+-/.test(f),
    );
    expect(exercises.length).toBeGreaterThanOrEqual(6);
    expect(stdout).toMatch(
      new RegExp(`^ {2}docs/exercises/ +${exercises.length} exercises, each with a check$`, "m"),
    );
  });
});

/** A service's address on labnet, as the engine gave it. */
async function addressOf(service: string): Promise<string> {
  const { stdout } = await execFileAsync("docker", [
    "inspect",
    "--format",
    "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}",
    lab.containerId(service),
  ]);
  return stdout.trim();
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function logLines(service: string): Promise<Record<string, unknown>[]> {
  return readJsonLogLines(lab.containerId(service));
}

/** Every process below `pid` on this host, from the parent pids in /proc. */
async function descendantsOf(pid: number): Promise<number[]> {
  const parentOf = new Map<number, number>();
  for (const name of await readdir("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await readFile(`/proc/${name}/stat`, "utf8").catch(() => "");
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so read after the last ")".
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    parentOf.set(Number(name), ppid);
  }
  const found: number[] = [];
  for (let frontier = [pid]; frontier.length > 0;) {
    frontier = [...parentOf].filter(([, parent]) => frontier.includes(parent)).map(([child]) => child);
    found.push(...frontier);
  }
  return found;
}

async function stillRunning(pids: readonly number[]): Promise<number[]> {
  const alive = await Promise.all(
    pids.map((pid) =>
      readFile(`/proc/${pid}/stat`, "utf8").then(
        (stat) => !/^\d+ \(.*\) Z /.test(stat), // a zombie has ended; only its parent has not reaped it
        () => false,
      ),
    ),
  );
  return pids.filter((_, index) => alive[index]);
}

// The capture helper is a container on the tcp-echo's network namespace, started by docker run.
async function isCapturing(): Promise<boolean> {
  const { dockerClient } = await import("../../labkit/docker/docker-client.ts");
  const running = await dockerClient().listContainers({
    filters: JSON.stringify({ ancestor: ["socklab/workbench:latest"] }),
  });
  return running.some(
    (c) => (c.HostConfig as { NetworkMode?: string }).NetworkMode?.startsWith("container:") ?? false,
  );
}

describe("socklab up and down", () => {
  it("brings a lab up healthy; down keeps the stored files' volume, down --volumes removes it", async () => {
    const project = `${TEST_PROJECT_PREFIX}cli-${randomBytes(3).toString("hex")}`;
    const filestore = `${project}_filestore`;
    try {
      expect((await runSocklab(project, ["up"])).exitCode).toBe(0);
      const status = JSON.parse((await runSocklab(project, ["status", "--json"])).stdout) as ServiceStatus[];
      expect(status.filter((s) => s.health === "healthy").map((s) => s.service)).toEqual([
        "chat",
        "file-transfer",
        "tcp-echo",
        "udp-echo",
      ]);
      expect(await volumesOf(project)).toEqual([filestore]);
      expect((await runSocklab(project, ["down"])).exitCode).toBe(0);
      const after = await runSocklab(project, ["status", "--json"]);
      expect(after.exitCode).toBe(5);
      expect(JSON.parse(after.stdout)).toEqual([]);
      expect(await volumesOf(project)).toEqual([filestore]);
    } finally {
      expect((await runSocklab(project, ["down", "--volumes"])).exitCode).toBe(0);
    }
    expect(await volumesOf(project)).toEqual([]);
  });
});

/** The volumes of a compose project, as `docker volume ls` lists them. */
async function volumesOf(project: string): Promise<string[]> {
  const { stdout } = await execFileAsync("docker", [
    "volume",
    "ls",
    "--filter",
    `label=${COMPOSE_PROJECT_LABEL}=${project}`,
    "--format",
    "{{.Name}}",
  ]);
  return stdout.split("\n").filter(Boolean).sort();
}
