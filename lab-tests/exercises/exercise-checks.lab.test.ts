import { readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLab, type Lab } from "../../labkit/lab/start-lab.ts";
import { waitForNoSocket, waitForSocket } from "../../labkit/socket-table/wait-for-socket.ts";

const FIXTURES = path.join(import.meta.dirname, "fixtures");
const WAIT_MS = 10_000;

let lab: Lab;

beforeAll(async () => {
  lab = await startLab();
});

afterAll(async () => {
  await lab.down();
});

/** Copies fixtures into a folder of the workbench's home, each under the name a learner gives it. */
async function putFiles(folder: string, files: Readonly<Record<string, string>>): Promise<string> {
  const dir = `/home/lab/${folder}`;
  const writes = Object.entries(files).map(([as, fixture]) => {
    const base64 = readFileSync(path.join(FIXTURES, fixture)).toString("base64");
    return `echo ${base64} | base64 -d > ${dir}/${as}`;
  });
  await lab.sh("workbench", [`mkdir -p ${dir}`, ...writes].join(" && "));
  return dir;
}

/** Starts `command` in the background in `dir` of the workbench and waits until it listens on `port`. */
async function startServer(dir: string, command: string, port: number): Promise<void> {
  await lab.sh("workbench", `cd ${dir} && (${command} > server.log 2>&1 &)`);
  await waitForSocket(
    lab.container("workbench"),
    { protocol: "tcp", localPort: port, state: "LISTEN" },
    { timeoutMs: WAIT_MS },
  );
}

async function check(dir: string, args: readonly string[]) {
  return lab.exec("workbench", ["sh", "-c", `cd ${dir} && exec socklab check ${args.join(" ")}`]);
}

describe("socklab check 4: the learner's frame-echo server", () => {
  const serverWith = async (framing: string, port: number): Promise<string> => {
    const dir = await putFiles(`ex4-${port}`, { "framing.py": framing, "frame_echo.py": "frame_echo.py" });
    await startServer(dir, `python3 frame_echo.py ${port}`, port);
    return dir;
  };

  it("passes a framing that uses network byte order and reads exactly what is announced", async () => {
    const dir = await serverWith("framing.py", 9401);
    const result = await check(dir, ["4", "--port", "9401"]);
    expect(result.stdout).toContain("PASS exercise 4");
    expect(result.exitCode).toBe(0);
  });

  it("fails the seed's framing for its little-endian length", async () => {
    const dir = await serverWith("framing_seed.py", 9402);
    const result = await check(dir, ["4", "--port", "9402"]);
    expect(result.stdout).toMatch(/FAIL exercise 4: .*little-endian/);
    expect(result.stdout).toContain("struct.pack('!I', n)");
    expect(result.exitCode).toBe(1);
  });

  it("fails a framing that takes one recv(n) for n bytes, on a message in small segments", async () => {
    const dir = await serverWith("framing_one_recv.py", 9403);
    const result = await check(dir, ["4", "--port", "9403"]);
    expect(result.stdout).toMatch(/FAIL exercise 4: a 20,000-byte message sent in 202 small segments/);
    expect(result.stdout).toContain("recv(n) returns AT MOST n bytes");
    expect(result.exitCode).toBe(1);
  });

  it("fails a framing that takes an empty recv() for data, when a client closes", async () => {
    const dir = await serverWith("framing_ignores_close.py", 9404);
    const result = await check(dir, ["4", "--port", "9404", "--timeout", "3000"]);
    expect(result.stdout).toMatch(/FAIL exercise 4: after a client that closed/);
    expect(result.stdout).toContain("an empty recv() (b'') means the peer closed");
    expect(result.exitCode).toBe(1);
  });
});

describe("socklab check 8: the learner's select() server", () => {
  it("passes a select() server with 100 clients at once, each echo checked", async () => {
    const dir = await putFiles("ex8-select", { "select_echo.py": "select_echo.py" });
    await startServer(dir, "python3 select_echo.py 9801", 9801);
    const result = await check(dir, ["8", "--port", "9801"]);
    expect(result.stdout).toContain("100 clients connected at once, each got back exactly its own line");
    expect(result.exitCode).toBe(0);
  });

  it("fails a blocking server that serves one client at a time", async () => {
    const dir = await putFiles("ex8-blocking", { "blocking_echo.py": "blocking_echo.py" });
    await startServer(dir, "python3 blocking_echo.py 9802", 9802);
    const result = await check(dir, ["8", "--port", "9802", "--timeout", "3000"]);
    expect(result.stdout).toMatch(
      /FAIL exercise 8: 100 clients were connected at once .*: 1 got .*one client at a time/,
    );
    expect(result.exitCode).toBe(1);
  });
});

describe("socklab check 9: the learner's strace logs", () => {
  const traceConversation = async (folder: string, port: number, clientTarget: string): Promise<string> => {
    const dir = await putFiles(folder, {
      "hello_server.py": "hello_server.py",
      "hello_client.py": "hello_client.py",
    });
    await startServer(dir, `strace -f -o server.trace python3 hello_server.py ${port}`, port);
    await lab.sh(
      "workbench",
      `cd ${dir} && strace -f -o client.trace python3 hello_client.py ${clientTarget}`,
    );
    return dir;
  };

  it("passes the traces of one conversation between the hello server and its client", async () => {
    const dir = await traceConversation("ex9-ok", 9901, "127.0.0.1 9901");
    // The server exits after the client's `exit`; strace writes `+++ exited` as its last line.
    await waitForNoSocket(
      lab.container("workbench"),
      { protocol: "tcp", localPort: 9901, state: "LISTEN" },
      { timeoutMs: WAIT_MS },
    );
    await lab.sh(
      "workbench",
      `cd ${dir} && timeout 10 sh -c 'until grep -q "+++ exited" server.trace; do sleep 0.1; done'`,
    );
    const result = await check(dir, ["9"]);
    expect(result.stdout).toMatch(
      /ok {2}server: socket\(\) = \d+, bind\(\d+, port 9901\), listen\(\d+\), accept4?\(\d+\) = \d+/,
    );
    expect(result.stdout).toContain("PASS exercise 9");
    expect(result.exitCode).toBe(0);
  });

  it("lets strace attach to a server already running in the workbench (strace -p, SYS_PTRACE)", async () => {
    const dir = await putFiles("ex9-attach", { "hello_server.py": "hello_server.py" });
    await startServer(dir, "python3 hello_server.py 9903", 9903);
    // -e trace=accept4 with a deadline: strace prints the call the server is blocked in, then stops.
    const result = await lab.exec("workbench", [
      "sh",
      "-c",
      "timeout -s INT 2 strace -e trace=accept4,accept -p $(pgrep -f '^python3 hello_server.py 9903'); true",
    ]);
    expect(result.stderr).toMatch(/strace: Process \d+ attached/);
    expect(result.stderr).not.toContain("Operation not permitted");
  });

  it("fails a client trace of another conversation (the client talked to tcp-echo)", async () => {
    const dir = await traceConversation("ex9-other", 9902, "tcp-echo 7");
    const result = await check(dir, ["9"]);
    expect(result.stdout).toContain(
      "FAIL exercise 9: client.trace connects to port 7, but server.trace bound port 9902",
    );
    expect(result.exitCode).toBe(1);
  });
});

describe("socklab check 7: the learner's upload", () => {
  const upload = async (folder: string, client: string) => {
    const dir = await putFiles(folder, { "ft.py": client });
    await lab.sh("workbench", `cd ${dir} && head -c 1000000 /dev/urandom > ${folder}.bin`);
    return {
      dir,
      put: await lab.exec("workbench", ["sh", "-c", `cd ${dir} && python3 ft.py put ${folder}.bin`]),
    };
  };

  it("passes an upload whose stored size and SHA-256 match the learner's file", async () => {
    const { dir, put } = await upload("ex7-ok", "ft.py");
    expect(put.exitCode).toBe(0);
    const result = await check(dir, ["7", "--name", "ex7-ok.bin"]);
    expect(result.stdout).toContain("the same size and sha256 as your ex7-ok.bin");
    expect(result.exitCode).toBe(0);
  });

  it("fails when the client framed its header the seed's way and nothing was stored", async () => {
    const { dir, put } = await upload("ex7-seed", "ft_seed_header.py");
    expect(put.exitCode).not.toBe(0);
    const result = await check(dir, ["7", "--name", "ex7-seed.bin"]);
    expect(result.stdout).toContain("FAIL exercise 7: ex7-seed.bin is not in the store");
    expect(result.exitCode).toBe(1);
  });
});

describe("socklab check 6: the learner's chat client", () => {
  // The check waits in the background; the client starts once the judge is in the room, types one
  // line, and meets the end of its input.
  const runWithClient = async (folder: string, client: string, nick: string) => {
    const dir = await putFiles(folder, { "my_chat.py": client });
    const script = [
      `cd ${dir}`,
      `(socklab check 6 --nick ${nick} --timeout 15000 > check.out 2>&1; echo "exit $?" >> check.out) &`,
      `timeout 10 sh -c 'until grep -q "is in #lab" check.out; do sleep 0.1; done'`,
      `printf 'hello from my client\\n' | timeout 10 python3 my_chat.py ${nick} > client.out 2>&1 || true`,
      `timeout 20 sh -c 'until grep -q "^exit " check.out; do sleep 0.1; done'`,
      "cat check.out",
    ].join("\n");
    return lab.sh("workbench", script);
  };

  it("passes a client that says its line and leaves with /quit at the end of its input", async () => {
    const out = await runWithClient("ex6-ok", "my_chat.py", "alice");
    expect(out).toContain('alice said "hello from my client" in #lab');
    expect(out).toContain("PASS exercise 6");
    expect(out).toMatch(/exit 0$/m);
  });

  it("fails a client that closes its socket at the end of its input without /quit", async () => {
    const out = await runWithClient("ex6-no-quit", "my_chat_no_quit.py", "bob");
    // How the server saw the close varies (Connection closed, reset, Broken pipe): never Quit.
    expect(out).toMatch(/FAIL exercise 6: bob left as "[^"]+", not with \/quit/);
    expect(out).toMatch(/exit 1$/m);
  });
});

describe("socklab check: bad input", () => {
  it("exits 2 and lists the exercises with a check for a number without one", async () => {
    const result = await lab.exec("workbench", ["socklab", "check", "3"]);
    expect(result.stderr).toContain('ERR_UNKNOWN_EXERCISE: no check for exercise "3"');
    expect(result.stderr).toContain("8  your select() echo server");
    expect(result.exitCode).toBe(2);
  });
});
