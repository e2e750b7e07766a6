import { once } from "node:events";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startLab, type Lab } from "../../labkit/lab/start-lab.ts";
import { waitFor } from "../../labkit/wait-for.ts";
import { spawnSocklab } from "../support/run-socklab.ts";

// `socklab trace tcp-echo workbench` while the workbench runs `echo hi | nc -q1 tcp-echo 7`: the
// live ladder shows both ends' whole sequences, with the packets between them, and an SVG of it.
const WAIT_MS = 15_000;

let lab: Lab;

beforeAll(async () => {
  lab = await startLab();
});

afterAll(async () => {
  await lab.down();
});

/** Each service's states in the order the ladder printed them, by the column the mark is in. */
function statesByColumn(ladder: string): Record<string, string[]> {
  const lines = ladder.split("\n");
  const header = lines.find((line) => line.includes("tcp-echo ") && line.includes("workbench ")) ?? "";
  const columns = ["tcp-echo", "workbench"].map((service) => ({ service, x: header.indexOf(`${service} `) }));
  const states: Record<string, string[]> = { "tcp-echo": [], workbench: [] };
  for (const line of lines) {
    const mark = line.indexOf("■");
    if (mark < 0) continue;
    const nearest = columns.reduce((a, b) => (Math.abs(b.x - mark) < Math.abs(a.x - mark) ? b : a));
    states[nearest.service]?.push(/■ (\S+)/.exec(line)?.[1] ?? "");
  }
  return states;
}

it("prints when it is recording, then a ladder of both ends' sequences and the packets between them", async () => {
  const folder = await mkdtemp(path.join(tmpdir(), "socklab-trace-cli-"));
  const svgFile = path.join(folder, "echo.svg");
  const cli = spawnSocklab(lab, ["trace", "tcp-echo", "workbench", "--port", "7", "--svg", svgFile]);
  let stdout = "";
  let stderr = "";
  cli.stdout?.setEncoding("utf8").on("data", (text: string) => (stdout += text));
  cli.stderr?.setEncoding("utf8").on("data", (text: string) => (stderr += text));
  const closed = once(cli, "close");
  try {
    await waitFor(() => (stderr.includes("socklab trace: recording") ? true : undefined), {
      timeoutMs: WAIT_MS,
      what: "socklab trace to say it is recording",
      describeLast: () => stderr,
    });
    expect(stderr).toMatch(
      /recording tcp-echo \(.+\), workbench \(.+\), states from the kernel; until Ctrl-C/,
    );
    expect(await lab.sh("workbench", "echo hi | nc -q1 tcp-echo 7")).toBe("hi\n");
    await waitFor(() => (stdout.includes("■ TIME_WAIT") && stdout.includes("■ CLOSE") ? true : undefined), {
      timeoutMs: WAIT_MS,
      what: "the ladder to show the close at both ends",
      describeLast: () => stdout,
    });
    cli.kill("SIGINT");
    const [exitCode] = (await closed) as [number | null];

    expect(exitCode).toBe(0);
    expect(statesByColumn(stdout)).toEqual({
      workbench: ["SYN_SENT", "ESTABLISHED", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT"],
      "tcp-echo": ["SYN_RECV", "ESTABLISHED", "CLOSE_WAIT", "LAST_ACK", "CLOSE"],
    });
    for (const segment of ["[S] seq 0", "[S.] seq 0 ack 1", "len 3", "[F.]"])
      expect(stdout).toContain(segment);
    const svg = await readFile(svgFile, "utf8");
    expect(svg).toContain("TIME_WAIT");
    expect(stderr).toContain(`wrote the ladder to ${svgFile}`);
  } finally {
    if (cli.exitCode === null) cli.kill("SIGKILL");
    await rm(folder, { recursive: true, force: true });
  }
});
