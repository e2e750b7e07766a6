import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { startChatTestBed } from "./test-support/chat-test-bed.ts";
import type { LineSocket } from "./test-support/line-socket.ts";
import { waitUntil } from "../test-support/wait-until.ts";

const MESSAGE = /^s\d+: m \d+ \d+$/;
const CROWD_SCRIPT = fileURLToPath(new URL("test-support/crowd.ts", import.meta.url));

function messages(socket: LineSocket): string[] {
  return socket.lines.filter((line) => MESSAGE.test(line));
}

describe("chat server under load and failure", () => {
  it("gives every member one and the same order of messages under 50 concurrent senders", async () => {
    await using bed = await startChatTestBed();
    const listeners = await Promise.all(["l0", "l1", "l2"].map((nick) => bed.plain(nick)));
    const senders = await Promise.all(Array.from({ length: 50 }, (_, index) => bed.plain(`s${index}`)));
    const perSender = 10;
    const total = senders.length * perSender;
    // Interleaved writes from 50 sockets: the server sees them in whatever order TCP delivers.
    for (let round = 0; round < perSender; round += 1) {
      for (const [index, sender] of senders.entries()) sender.send(`m ${index} ${round}`);
    }
    for (const listener of listeners)
      await waitUntil(() => messages(listener).length === total, "500 messages", 10_000);
    const order = messages(listeners[0] as LineSocket);
    for (const listener of listeners) expect(messages(listener)).toEqual(order);
    for (const [index, sender] of senders.entries()) {
      const others = order.filter((line) => !line.startsWith(`s${index}: `));
      await waitUntil(
        () => messages(sender).length === others.length,
        `s${index} to see the others' messages`,
        10_000,
      );
      expect(messages(sender)).toEqual(others);
      const own = order.filter((line) => line.startsWith(`s${index}: `));
      expect(own).toEqual(Array.from({ length: perSender }, (_, round) => `s${index}: m ${index} ${round}`));
    }
  });

  it("disconnects a member that stops reading once its queue is full, while the room keeps flowing", async () => {
    const unlimited = { floodBurstLines: 1e9, floodLinesPerSecond: 1e9, floodMaxWaitingLines: 1e9 };
    await using bed = await startChatTestBed({ maxQueueBytes: 32 * 1024, closeGraceMs: 200, ...unlimited });
    const sender = await bed.plain("sender");
    const reader = await bed.plain("reader");
    const slow = await bed.plain("slow");
    slow.socket.pause();
    const padding = "x".repeat(300);
    const isSlowQuit = (line: string): boolean =>
      line.startsWith("* slow quit (Send queue exceeded: over 32768 bytes waiting");
    let sent = 0;
    // The kernel buffers a few MB before the server's own queue grows: send until it overflows.
    while (!reader.lines.some(isSlowQuit)) {
      expect(sent, "messages sent before the slow member was dropped").toBeLessThan(100_000);
      const batch = Array.from({ length: 200 }, (_, index) => `${sent + index} ${padding}`);
      sender.send(...batch);
      sent += batch.length;
      await reader.waitForLine(`sender: ${sent - 1} ${padding}`, { since: reader.lines.length });
    }
    sender.send("after the slow one left");
    await reader.waitForLine("sender: after the slow one left");
    const received = reader.lines.filter((line) => line.startsWith("sender: ") && line.endsWith(padding));
    expect(received).toEqual(Array.from({ length: sent }, (_, index) => `sender: ${index} ${padding}`));
    await waitUntil(
      () => bed.logs.some((entry) => entry["event"] === "close" && entry["nick"] === "slow"),
      "slow's close line",
    );
    const slowClose = bed.logs.find((entry) => entry["event"] === "close" && entry["nick"] === "slow");
    expect(String(slowClose?.["reason"])).toMatch(/^Send queue exceeded: over 32768 bytes waiting/);
  });

  it("announces an abrupt disconnect (RST) and keeps no socket for it", async () => {
    await using bed = await startChatTestBed();
    const alice = await bed.plain("alice");
    const bob = await bed.plain("bob");
    bob.socket.resetAndDestroy();
    await alice.waitForLine("* bob quit (Connection reset by peer)");
    await waitUntil(() => bed.server.connectionCount() === 1, "the server to drop bob");
    alice.send("/who");
    await alice.waitForLine("- members of #lab (1): alice", {
      since: alice.lines.indexOf("* bob quit (Connection reset by peer)"),
    });
  });

  it("notices a killed client process and announces its quit", async () => {
    await using bed = await startChatTestBed();
    const alice = await bed.plain("alice");
    const script = `const s = require("node:net").connect(${bed.port}, "127.0.0.1"); s.write("zed\\n"); s.resume();`;
    const child = spawn(process.execPath, ["-e", script], { stdio: "ignore" });
    try {
      await alice.waitForLine("* zed joined #lab");
      child.kill("SIGKILL");
      await alice.waitForLine(/^\* zed quit \((Connection closed|Connection reset by peer)\)$/);
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("holds 1,000 members in one room and delivers a message to every one", { timeout: 60_000 }, async () => {
    await using bed = await startChatTestBed();
    const sender = await bed.plain("sender");
    // The other 999 live in a child process, so that the server has this thread to itself.
    const crowd = spawn(process.execPath, [
      CROWD_SCRIPT,
      String(bed.port),
      "999",
      "sender: hello, all 999 of you",
    ]);
    try {
      const output: string[] = [];
      crowd.stdout.setEncoding("utf8").on("data", (text: string) => output.push(text));
      await waitUntil(
        () => output.join("").includes("ready\n") || crowd.exitCode !== null,
        "999 members to join",
        50_000,
      );
      expect(bed.server.memberCount()).toBe(1_000);
      sender.send("hello, all 999 of you", "/who");
      await sender.waitForLine((line) => line.startsWith("- members of #lab (1000): sender c0 c1 "), {
        since: sender.lines.length - 1,
      });
      await waitUntil(
        () => output.join("").includes("delivered 999\n") || crowd.exitCode !== null,
        "the message to reach all 999",
        20_000,
      );
      expect(output.join("")).toBe("ready\ndelivered 999\n");
    } finally {
      crowd.kill("SIGKILL");
    }
  });
});
