import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChatClient } from "./chat-client.ts";
import { spawnChatService, type SpawnedChatService } from "./test-support/spawn-chat-service.ts";

// The very file docs/protocols/chat.md shows, run as a learner would run it.
const PYTHON_CLIENT = fileURLToPath(new URL("../../docs/protocols/chat_client.py", import.meta.url));
const RUN_TIMEOUT_MS = 15_000;

interface PythonRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

let service: SpawnedChatService;
const clients: ChatClient[] = [];

async function connect(nick: string, room?: string): Promise<ChatClient> {
  const client = await ChatClient.connect({
    host: service.host,
    port: service.port,
    nick,
    ...(room === undefined ? {} : { room }),
  });
  clients.push(client);
  return client;
}

function runPython(args: string[], stdin?: string): Promise<PythonRun> & { kill(): void } {
  const child = spawn(
    "python3",
    [PYTHON_CLIENT, "--host", service.host, "--port", String(service.port), ...args],
    {
      stdio: [stdin === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    },
  );
  if (stdin !== undefined) child.stdin?.end(stdin);
  let stdout = "";
  let stderr = "";
  child.stdout?.setEncoding("utf8").on("data", (text: string) => (stdout += text));
  child.stderr?.setEncoding("utf8").on("data", (text: string) => (stderr += text));
  const timer = setTimeout(() => child.kill("SIGKILL"), RUN_TIMEOUT_MS);
  const done = new Promise<PythonRun>((resolve) =>
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
  return Object.assign(done, { kill: () => child.kill("SIGKILL") });
}

beforeAll(async () => {
  service = await spawnChatService();
});

afterAll(async () => {
  for (const client of clients) client.abort();
  await service.stop();
});

describe("docs/protocols/chat_client.py", () => {
  it("exchanges messages with a TypeScript client, driven by --send and --expect", async () => {
    const bob = await connect("bob", "#py");
    const alice = runPython([
      "--nick",
      "alice",
      "--room",
      "#py",
      "--send",
      "hello from python",
      "--expect",
      "bob: hi python",
      "--timeout",
      "10",
    ]);
    await bob.waitFor(
      (event) => event.kind === "message" && event.from === "alice" && event.text === "hello from python",
    );
    bob.send("hi python");
    const run = await alice;
    expect(run).toMatchObject({ code: 0, stderr: "" });
    expect(run.stdout.split("\n")).toEqual(
      expect.arrayContaining(["* alice joined #py", "bob: hi python", "! ERROR Closing link: Quit"]),
    );
    await bob.waitFor((event) => event.kind === "quit" && event.nick === "alice");
  });

  it("sends every line of a piped stdin, then quits at the end of input", async () => {
    const carol = await connect("carol", "#pipe");
    const run = await runPython(["--nick", "dave", "--room", "pipe"], "one\ntwo, with a partial last line");
    expect(run).toMatchObject({ code: 0, stderr: "" });
    await carol.waitFor(
      (event) =>
        event.kind === "message" && event.from === "dave" && event.text === "two, with a partial last line",
    );
    const texts = carol.history.flatMap((event) =>
      event.kind === "message" && event.from === "dave" ? [event.text] : [],
    );
    expect(texts).toEqual(["one", "two, with a partial last line"]);
  });

  it("exits 1 and names what is missing when an --expect is not met in time", async () => {
    const run = await runPython(["--nick", "erin", "--expect", "never said", "--timeout", "1"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/no line containing 'never said' within the timeout/);
  });

  it("exits 3 when its nick is refused", async () => {
    await connect("frank");
    const run = await runPython(["--nick", "frank", "--timeout", "5"]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain("nick 'frank' refused: ERR_NICKNAMEINUSE frank: Nickname is already in use");
  });

  it("is announced as gone when its process is killed", async () => {
    const gina = await connect("gina", "#kill");
    const hank = runPython([
      "--nick",
      "hank",
      "--room",
      "kill",
      "--expect",
      "never comes",
      "--timeout",
      "30",
    ]);
    try {
      await gina.waitFor((event) => event.kind === "join" && event.nick === "hank");
    } finally {
      hank.kill();
    }
    await gina.waitFor((event) => event.kind === "quit" && event.nick === "hank");
    expect((await hank).code).toBeNull();
  });
});
