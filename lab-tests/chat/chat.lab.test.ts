import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitForNoSocket, waitForSocket } from "../../labkit/socket-table/wait-for-socket.ts";
import { startLab, type Lab } from "../../labkit/lab/start-lab.ts";
import { waitFor } from "../../labkit/wait-for.ts";
import { recordFailureEvidence } from "../support/record-failure-evidence.ts";

const CHAT_OVERRIDE = "lab-tests/chat/compose.chat.yml";
const CHAT_PORT = 6667;

let lab: Lab;

beforeAll(async () => {
  lab = await startLab({ overrides: [CHAT_OVERRIDE] });
});

// A failing check leaves the ladder, both tables and both pcaps of its last connections in lab-evidence/.
recordFailureEvidence(() => lab, { services: ["workbench", "chat"] });

afterAll(async () => {
  await lab.down();
});

/** Runs an ES module in the workbench (where the chat service is reachable) and parses its JSON output. */
async function runScript<T>(script: string, ...args: string[]): Promise<T> {
  const run = await lab.exec("workbench", ["node", "--input-type=module", "-e", script, ...args]);
  if (run.exitCode !== 0) throw new Error(`workbench script exited ${run.exitCode}: ${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}

const CLIENT = `import { ChatClient } from "/app/clients/chat/chat-client.ts";
const connect = (nick, room) => ChatClient.connect({ host: "chat", port: ${CHAT_PORT}, nick, room });
const said = (from, text) => (e) => e.kind === "message" && e.from === from && (text === undefined || e.text === text);`;

describe("chat, driven from the workbench", () => {
  it("lets two nc users chat, and greets them", async () => {
    // ann stays until the test is done with her (at most 60 s), answering the server's pings with
    // an empty line every second, as the protocol allows.
    await lab.sh(
      "workbench",
      `(printf 'ann\\n'; for i in $(seq 60); do [ -e /tmp/ann.done ] && break; sleep 1; echo; done) | nc chat ${CHAT_PORT} >/tmp/ann.out 2>&1 &`,
    );
    await waitFor(
      async () =>
        (await lab.sh("workbench", "cat /tmp/ann.out")).includes("welcome, ann") ? true : undefined,
      {
        timeoutMs: 5_000,
        what: "ann to be greeted",
      },
    );
    const out = await lab.sh(
      "workbench",
      `printf 'ben\\nhello ann\\n/quit\\n' | timeout 20 nc -q -1 chat ${CHAT_PORT}`,
    );
    expect(out).toContain("welcome, ben");
    expect(out).toMatch(/members of #lab \(2\): .*ann/);
    await waitFor(
      async () =>
        (await lab.sh("workbench", "cat /tmp/ann.out")).includes("ben: hello ann") ? true : undefined,
      {
        timeoutMs: 5_000,
        what: "ann to see ben's message",
      },
    );
    await lab.sh("workbench", "touch /tmp/ann.done");
  });

  it("lets an IRC client from npm (irc-framework) and a plain-line user talk in one room", async () => {
    const script = `${CLIENT}
import { createRequire } from "node:module";
const { Client } = createRequire("/app/package.json")("irc-framework");
const irc = new Client();
const ircEvents = [];
const seen = (name, pred) => new Promise((resolve, reject) => {
  const t = setTimeout(() => reject(new Error("no " + name + " in " + JSON.stringify(ircEvents))), 10000);
  const check = () => { const e = ircEvents.find((x) => x.name === name && pred(x.event)); if (e) { clearTimeout(t); resolve(e.event); } else setTimeout(check, 20); };
  check();
});
for (const name of ["registered", "join", "privmsg"]) irc.on(name, (event) => ircEvents.push({ name, event }));
irc.connect({ host: "chat", port: ${CHAT_PORT}, nick: "ircuser", username: "ircuser", gecos: "irc-framework", auto_reconnect: false });
await seen("registered", () => true);
irc.join("#lab");
await seen("join", (e) => e.nick === "ircuser");
const plain = await connect("plainuser");
irc.say("#lab", "hello from IRC");
const fromIrc = await plain.waitFor(said("ircuser", "hello from IRC"), { timeoutMs: 10000 });
plain.send("hello from plain");
const fromPlain = await seen("privmsg", (e) => e.nick === "plainuser");
irc.quit("bye");
await plain.quit();
console.log(JSON.stringify({ fromIrc, fromPlain: { nick: fromPlain.nick, target: fromPlain.target, message: fromPlain.message } }));`;
    const result = await runScript<{ fromIrc: unknown; fromPlain: unknown }>(script);
    expect(result.fromIrc).toMatchObject({ kind: "message", from: "ircuser", text: "hello from IRC" });
    expect(result.fromPlain).toEqual({ nick: "plainuser", target: "#lab", message: "hello from plain" });
  });

  it("delivers 50 concurrent senders' messages to every member in one and the same order", async () => {
    const script = `${CLIENT}
const senders = 50, each = 20, room = "#order";
const readers = await Promise.all([1, 2, 3].map((i) => connect("reader" + i, room)));
const writers = await Promise.all(Array.from({ length: senders }, (_, i) => connect("w" + i, room)));
await Promise.all(writers.map(async (w, i) => { for (let n = 0; n < each; n++) w.send(i + ":" + n); }));
const total = senders * each;
const orders = await Promise.all(readers.map(async (r) => {
  await r.waitFor(() => r.history.filter((e) => e.kind === "message").length >= total, { timeoutMs: 30000 });
  return r.history.filter((e) => e.kind === "message").map((e) => e.text);
}));
await Promise.all([...readers, ...writers].map((c) => c.quit()));
console.log(JSON.stringify({ orders }));`;
    const { orders } = await runScript<{ orders: string[][] }>(script);
    const [first, ...rest] = orders;
    expect(first).toHaveLength(1000);
    for (const order of rest) expect(order).toEqual(first);
    // Each sender's own messages keep the order it sent them in.
    for (let sender = 0; sender < 50; sender++) {
      const own = (first ?? [])
        .filter((text) => text.startsWith(`${sender}:`))
        .map((text) => Number(text.split(":")[1]));
      expect(own).toEqual(Array.from({ length: 20 }, (_, n) => n));
    }
  });

  it("disconnects a member that stops reading, while the others keep receiving", async () => {
    const script = `${CLIENT}
const room = "#slow";
const slow = await connect("slowpoke", room);
const fast = await connect("fast", room);
// 20 talkers of 20 lines each: every one stays within its flood allowance.
const talkers = await Promise.all(Array.from({ length: 20 }, (_, i) => connect("talker" + i, room)));
slow.pauseReading();
const line = "x".repeat(300);
// Paced load, not a wait: 20 lines (one per talker) every 50 ms, which a reader keeps up with
// and a non-reader cannot absorb (240 kB against 64 KiB of queue and some 64 KiB of kernel buffers).
const { setInterval: every } = await import("node:timers/promises");
let n = 0;
for await (const _ of every(50)) {
  for (const talker of talkers) talker.send(n + " " + line), n++;
  if (n >= 800) break;
}
const quit = await fast.waitFor((e) => e.kind === "quit" && e.nick === "slowpoke", { timeoutMs: 20000 });
await fast.waitFor(() => fast.history.filter((e) => e.kind === "message").length === 800, { timeoutMs: 20000 });
const texts = fast.history.filter((e) => e.kind === "message").map((e) => Number(e.text.split(" ")[0]));
await Promise.all([fast, ...talkers].map((c) => c.quit()));
slow.abort();
const sorted = [...texts].sort((a, b) => a - b);
console.log(JSON.stringify({ quit, complete: sorted.every((n, i) => n === i), received: texts.length }));`;
    const result = await runScript<{ quit: { reason: string }; complete: boolean; received: number }>(script);
    expect(result.quit.reason).toContain("Send queue exceeded");
    expect(result).toMatchObject({ complete: true, received: 800 });
  });

  it("announces an abrupt disconnect (RST) and leaves no socket for it on the server", async () => {
    const script = `${CLIENT}
const watcher = await connect("watcher");
const victim = await connect("victim");
const port = victim.localPort;
victim.abort();
const quit = await watcher.waitFor((e) => e.kind === "quit" && e.nick === "victim", { timeoutMs: 10000 });
await watcher.quit();
console.log(JSON.stringify({ quit, port }));`;
    const { quit, port } = await runScript<{ quit: { reason: string }; port: number }>(script);
    expect(quit.reason).toMatch(/reset/i);
    await waitForNoSocket(
      lab.container("chat"),
      { localPort: CHAT_PORT, remotePort: port },
      { timeoutMs: 5_000 },
    );
  });

  it("closes its side after a client's FIN: no CLOSE_WAIT is left on the server", async () => {
    // -N sends FIN once the nick is written; nc then reads until the server closes its side.
    const out = await lab.sh("workbench", `printf 'finner\\n' | timeout 20 nc -N chat ${CHAT_PORT}`);
    expect(out).toContain("welcome, finner");
    await waitForNoSocket(
      lab.container("chat"),
      { localPort: CHAT_PORT, state: "CLOSE_WAIT" },
      { timeoutMs: 5_000 },
    );
    await waitForSocket(
      lab.container("chat"),
      { localPort: CHAT_PORT, state: "LISTEN" },
      { timeoutMs: 1_000 },
    );
  });

  it.each([
    ["a line over 512 bytes", `printf 'longline\\n%0600d\\n/quit\\n' 0`, "ERR_INPUTTOOLONG"],
    ["invalid UTF-8", `printf 'badutf\\n\\377\\376 oops\\n/quit\\n'`, "INVALID_UTF8"],
    [
      "a nick over 16 characters",
      `printf 'abcdefghijklmnopqrstuvwxyz\\nshortnick\\n/quit\\n'`,
      "ERR_ERRONEUSNICKNAME",
    ],
  ])("answers %s with its documented error and keeps the connection", async (_what, input, expected) => {
    const out = await lab.sh("workbench", `${input} | timeout 20 nc -q -1 chat ${CHAT_PORT}`);
    expect(out).toContain(expected);
    expect(out).toContain("Closing link: Quit");
  });

  it("ignores empty lines without an answer", async () => {
    const out = await lab.sh(
      "workbench",
      `printf 'blanky\\n\\n\\n   \\n/quit\\n' | timeout 20 nc -q -1 chat ${CHAT_PORT}`,
    );
    expect(out.split(/\r?\n/).filter((line) => line.startsWith("!"))).toEqual(["! ERROR Closing link: Quit"]);
    expect(out).toContain("Closing link: Quit");
  });

  it("cuts off a flooding client with Excess Flood, and the room keeps working", async () => {
    const out = await lab.sh(
      "workbench",
      // nc waits after its input ends (-q -1) until the server closes the connection.
      `(printf 'flooder\\n'; for i in $(seq 400); do echo "flood $i"; done) | timeout 30 nc -q -1 chat ${CHAT_PORT} | tail -n 3`,
    );
    expect(out).toContain("Excess Flood");
    expect(
      await lab.sh(
        "workbench",
        `printf 'after\\nstill here\\n/quit\\n' | timeout 20 nc -q -1 chat ${CHAT_PORT}`,
      ),
    ).toContain("Closing link: Quit");
  });

  it("pings a silent client and closes it when it does not answer", async () => {
    // Silent after its nick: nc holds the connection (-q -1) until the server closes it.
    const out = await lab.sh("workbench", `printf 'sleepy\\n' | timeout 30 nc -q -1 chat ${CHAT_PORT}`);
    expect(out).toContain("? ping");
    expect(out).toContain("Ping timeout");
  });

  it("runs the Python select client of the protocol doc, the exact file", async () => {
    const py = "python3 /app/docs/protocols/chat_client.py --host chat --timeout 15 --nick pyguest";
    const steps = `--expect "pyhost: hello python" --send "hello back from python"`;
    await lab.sh("workbench", `(${py} ${steps} >/tmp/py.out 2>&1; echo $? >/tmp/py.rc) &`);
    const script = `${CLIENT}
const host = await connect("pyhost");
// pyguest is in the room already, or its join is still to come (waitFor also sees past events).
if (!(await host.who()).includes("pyguest")) await host.waitFor((e) => e.kind === "join" && e.nick === "pyguest", { timeoutMs: 15000 });
host.send("hello python");
const seen = await host.waitFor(said("pyguest", "hello back from python"), { timeoutMs: 15000 });
console.log(JSON.stringify(seen));
await host.quit();`;
    expect(await runScript(script)).toMatchObject({ from: "pyguest", text: "hello back from python" });
    await waitFor(
      async () => (await lab.exec("workbench", ["cat", "/tmp/py.rc"])).stdout.trim() || undefined,
      {
        timeoutMs: 15_000,
        what: "the Python client to exit",
      },
    );
    expect((await lab.sh("workbench", "cat /tmp/py.rc")).trim()).toBe("0");
  });

  it("holds 1,000 members in one room, and every one gets a message", async () => {
    const script = `${CLIENT}
const room = "#crowd";
const members = [];
for (let batch = 0; batch < 10; batch++) {
  members.push(...(await Promise.all(Array.from({ length: 100 }, (_, i) => connect("m" + (batch * 100 + i), room)))));
}
const speaker = members[0];
speaker.send("to all of you");
const got = await Promise.all(members.slice(1).map((m) => m.waitFor(said("m0", "to all of you"), { timeoutMs: 30000 }).then(() => 1, () => 0)));
await Promise.all(members.map((m) => m.close()));
console.log(JSON.stringify({ members: members.length, received: got.reduce((a, b) => a + b, 0) }));`;
    expect(await runScript(script)).toEqual({ members: 1000, received: 999 });
  });
});
