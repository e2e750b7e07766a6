import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countPcapPackets } from "../../cli/capture/count-pcap-packets.ts";
import { TEST_PROJECT_PREFIX } from "../harness/lab-project.ts";
import { runSocklab, spawnSocklab } from "../harness/run-socklab.ts";
import { startLab, type Lab } from "../harness/start-lab.ts";
import { waitFor } from "../harness/wait-for.ts";

interface ServiceStatus {
  service: string;
  state: string;
  health: string;
  addresses: string[];
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
  it("status: every service running and healthy, with its address on labnet", async () => {
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
    expect((await runSocklab(lab, ["status"])).stdout).toMatch(
      /^tcp-echo +running +healthy +\d+\.\d+\.\d+\.\d+$/m,
    );
  });

  it("logs: a service's JSON log lines", async () => {
    const { exitCode, stdout } = await runSocklab(lab, ["logs", "tcp-echo"]);
    expect(exitCode).toBe(0);
    expect(stdout).toContain('"message":"tcp-echo listening on [::]:7"');
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

  it("tour: every step runs against the lab", async () => {
    const { exitCode, stdout } = await runSocklab(lab, ["tour"]);
    expect(exitCode).toBe(0);
    for (const seen of [
      "LISTEN",
      "ESTABLISHED",
      "TIME_WAIT",
      "UNCONN",
      "sha256",
      "alice: hello, bob",
      "What to try next",
    ]) {
      expect(stdout).toContain(seen);
    }
    expect(stdout).not.toContain("this step failed");
  });
});

// The capture helper is a container on the tcp-echo's network namespace, started by docker run.
async function isCapturing(): Promise<boolean> {
  const { dockerClient } = await import("../harness/docker-client.ts");
  const running = await dockerClient().listContainers({
    filters: JSON.stringify({ ancestor: ["socklab/workbench:latest"] }),
  });
  return running.some(
    (c) => (c.HostConfig as { NetworkMode?: string }).NetworkMode?.startsWith("container:") ?? false,
  );
}

describe("socklab up and down", () => {
  it("brings a lab up healthy and takes it down with its volumes", async () => {
    const project = `${TEST_PROJECT_PREFIX}cli-${randomBytes(3).toString("hex")}`;
    try {
      expect((await runSocklab(project, ["up"])).exitCode).toBe(0);
      const status = JSON.parse((await runSocklab(project, ["status", "--json"])).stdout) as ServiceStatus[];
      expect(status.filter((s) => s.health === "healthy").map((s) => s.service)).toEqual([
        "chat",
        "file-transfer",
        "tcp-echo",
        "udp-echo",
      ]);
    } finally {
      expect((await runSocklab(project, ["down", "--volumes"])).exitCode).toBe(0);
    }
    const after = await runSocklab(project, ["status", "--json"]);
    expect(after.exitCode).toBe(5);
    expect(JSON.parse(after.stdout)).toEqual([]);
  });
});
