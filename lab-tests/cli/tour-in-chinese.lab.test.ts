import { readdirSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../labkit/lab/lab-project.ts";
import { startLab, type Lab } from "../../labkit/lab/start-lab.ts";
import { runSocklab } from "../support/run-socklab.ts";

const ZH_EXERCISES = path.join(REPO_ROOT, "docs", "zh", "exercises");

let lab: Lab;

beforeAll(async () => {
  lab = await startLab();
});

afterAll(async () => {
  await lab.down();
});

describe("the tour in Simplified Chinese", () => {
  it("speaks Chinese in a zh locale, with the same live tables and the Chinese exercises at the end", async () => {
    const { exitCode, stdout } = await runSocklab(lab, ["tour"], {
      env: { LANG: "zh_CN.UTF-8", LC_ALL: "" },
    });
    expect(stdout).toContain("1. TCP：三次握手、ESTABLISHED，以及先关闭的一方进入 TIME_WAIT");
    expect(stdout).toMatch(/之中：SYN、SYN-ACK、ACK 完成，两端都是 ESTABLISHED（客户端端口 \d+）。/);
    // The tables are the kernel's, whatever the language.
    expect(stdout).toMatch(/tcp +\d+ +\d+ +\S+:\d+ +\S+:7 +ESTABLISHED/);
    // The ladder of the same connection, introduced in Chinese, drawn the same.
    expect(stdout).toContain("同一条连接的真实经过，由 `socklab trace` 记录");
    expect(stdout).toMatch(/│─ \[S\] seq 0 win \d+ \+\d+µs ─+▶/);
    expect(stdout).toMatch(/◀─ \[S\.\] seq 0 ack 1 win \d+ \+\d+µs ─+│/);
    expect(stdout).toMatch(/│─ \[F\.\] seq 1 ack 1 .*─▶/);
    expect(stdout).toContain("■ TIME_WAIT");
    expect(stdout).toContain("bob 在 #tour 收到：alice: hello, bob");
    // As many as docs/zh/exercises/ holds, counted as the tour counts them.
    const count = readdirSync(ZH_EXERCISES).filter((name) => /^\d+-.+\.md$/.test(name)).length;
    expect(count).toBeGreaterThanOrEqual(12);
    expect(stdout).toMatch(new RegExp(`docs/zh/exercises/ +${count} 个练习，每个都有检查`));
    expect(stdout).not.toContain("What to try next");
    expect(exitCode).toBe(0);
  });

  it("refuses a language it does not have, exit 2, naming those it has", async () => {
    const { exitCode, stderr } = await runSocklab(lab, ["tour", "--lang", "fr"]);
    expect(stderr).toContain("expected one of en, zh, got fr");
    expect(exitCode).toBe(2);
  });
});
