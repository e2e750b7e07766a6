// The file commands run as the real CLI (a child process, as in the workbench) against the real
// server in-process on 127.0.0.1: tests may join what code may not.
import { createHash, randomBytes } from "node:crypto";
import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Command } from "commander";
import { afterEach, describe, expect, it } from "vitest";
import { startTcpRelay } from "../../services/file-transfer/testing/start-tcp-relay.ts";
import { startTemporaryFileTransfer } from "../../services/file-transfer/testing/start-temporary-file-transfer.ts";
import { waitUntil } from "../../services/file-transfer/testing/wait-until.ts";
import { EXIT } from "../exit-codes.ts";
import {
  CLI_MAIN,
  socklab as runSocklab,
  startSocklab as startSocklabProcess,
  type RunningCli,
  type StartSocklabOptions,
} from "../test-support/start-socklab.ts";
import { registerFileCommands, serviceOptionArgs, type ServiceOptions } from "./file-commands.ts";

const MIB = 1024 * 1024;
const cleanups: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const setup = () => startTemporaryFileTransfer(cleanups);

function startSocklab(args: readonly string[], options?: StartSocklabOptions): RunningCli {
  return startSocklabProcess(args, cleanups, options);
}

function socklab(args: readonly string[], options?: StartSocklabOptions) {
  return runSocklab(args, cleanups, options);
}

const at = (port: number) => ["--host", "127.0.0.1", "--port", String(port)];

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

describe("socklab put and get: exit codes", () => {
  it("exits 0 after a round trip, and says what it stored and got", async () => {
    const { server, workDir } = await setup();
    const body = randomBytes(300_000);
    await writeFile(join(workDir, "up.bin"), body);
    const put = await socklab(["put", join(workDir, "up.bin"), "round.bin", ...at(server.address.port)]);
    expect(put).toMatchObject({ exitCode: EXIT.ok });
    expect(put.stdout).toBe(`stored round.bin (300000 bytes, sha256 ${sha256(body)})\n`);
    expect(put.stderr).toContain("put round.bin: 100% (300000 of 300000 bytes)");
    const get = await socklab(["get", "round.bin", join(workDir, "down.bin"), ...at(server.address.port)]);
    expect(get).toMatchObject({ exitCode: EXIT.ok });
    expect(get.stdout).toBe(`got round.bin (300000 bytes, sha256 ${sha256(body)} checked)\n`);
    expect(sha256(await readFile(join(workDir, "down.bin")))).toBe(sha256(body));
  });

  it("exits 1 when a download does not have the SHA-256 the server announced, and keeps nothing", async () => {
    const { server, storeDir, workDir } = await setup();
    const body = randomBytes(100_000);
    await writeFile(join(storeDir, "f.bin"), body);
    const target = join(workDir, "out");
    await mkdir(target);
    // A local partial that is not a prefix of the file: the whole file's hash comes out wrong.
    await writeFile(join(target, `.f.bin.${sha256(body).slice(0, 16)}.partial`), randomBytes(5_000));
    const run = await socklab(["get", "f.bin", join(target, "f.bin"), ...at(server.address.port)]);
    expect(run.exitCode).toBe(EXIT.mismatch);
    expect(run.stderr).toContain("HASH_MISMATCH");
    expect(await readdir(target)).toEqual([]);
  });

  it.each([
    ["a missing FILE argument", () => ["put"]],
    ["a port that is not a number", () => ["ls", "--port", "nine"]],
    ["a port of 0", () => ["get", "f", "--port", "0"]],
    ["an unknown option", () => ["put", "f", "--fast"]],
  ])("exits 2 on %s, before any connection", async (_label, args) => {
    const run = await socklab(args());
    expect(run.exitCode).toBe(EXIT.usage);
    expect(run.stderr).toMatch(/error: /);
  });

  // Paths as a learner types them, relative to where socklab runs, and one absolute.
  describe.each([
    ["in the workbench", true],
    ["on the host, before any container is started", false],
  ])("%s", (_where, inWorkbench) => {
    it.each([
      ["a file to upload that does not exist", ["put", "absent"], "ENOENT", "cannot read absent: "],
      [
        "an absolute path to upload that does not exist",
        ["put", "/nonexistent-socklab-file"],
        "ENOENT",
        "cannot read /nonexistent-socklab-file: ",
      ],
      ["a folder to upload", ["put", ".", "dir"], "EISDIR", "cannot upload .: it is a folder"],
      [
        "a download into a folder that does not exist",
        ["get", "x", "no/x"],
        "ENOENT",
        "cannot write no/x: no such folder: no",
      ],
      [
        "a download under a path that is a file",
        ["get", "x", "plain-file/x"],
        "ENOTDIR",
        "cannot write plain-file/x: not a folder: plain-file",
      ],
    ])("exits 2 on %s, saying so once with the path as typed", async (_label, args, code, says) => {
      const { server, storeDir, workDir } = await setup();
      await writeFile(join(storeDir, "x"), "x");
      await writeFile(join(workDir, "plain-file"), "not a folder");
      const run = await socklab([...args, ...at(server.address.port)], { cwd: workDir, inWorkbench });
      expect(run.exitCode).toBe(EXIT.usage);
      expect(run.stderr).toMatch(new RegExp(`^socklab: ${code}: [^\\n]*\\n$`));
      expect(run.stderr).toContain(says);
      expect(run.stderr.split(code)).toHaveLength(2);
      expect(run.stderr).not.toContain("/host");
    });
  });

  it("exits 3 when nothing listens at the service's address", async () => {
    const { server } = await setup();
    const port = server.address.port;
    await server.close(0);
    const run = await socklab(["get", "f", "/tmp/never", ...at(port)]);
    expect(run.exitCode).toBe(EXIT.network);
    expect(run.stderr).toContain("ERR_CONNECT_FAILED");
  });

  it("exits 3 when the connection is reset in the middle of an upload", async () => {
    const { server, storeDir, workDir } = await setup();
    // The relay lets 1 MiB through, then holds the rest, so the reset comes mid-body.
    const relay = await startTcpRelay({ targetPort: server.address.port, maxUpBytes: MIB });
    cleanups.push(() => relay.close());
    await writeFile(join(workDir, "big.bin"), randomBytes(8 * MIB));
    const cli = startSocklab(["put", join(workDir, "big.bin"), "big.bin", ...at(relay.port)]);
    await waitUntil("the relay to stall the upload", () => (relay.upBytes === MIB ? true : undefined));
    await waitUntil("the server to hold part of the body", async () => {
      const [partial] = await readdir(join(storeDir, ".socklab", "partial"));
      return partial === undefined ? undefined : true;
    });
    relay.resetAll();
    expect(await cli.exited).toBe(EXIT.network);
    expect(cli.stderr).toContain("ERR_CONNECTION_CLOSED");
  });

  it.each([
    ["a download of a name the store does not have", ["get", "missing", "/tmp/never"], "NOT_FOUND"],
    ["an upload to a name with ..", ["put", CLI_MAIN, "../escape"], "NAME_DOT_DOT"],
  ])("exits 6 with the service's code on %s", async (_label, args, code) => {
    const { server } = await setup();
    const run = await socklab([...args, ...at(server.address.port)]);
    expect(run.exitCode).toBe(EXIT.refused);
    expect(run.stderr).toMatch(new RegExp(`^socklab: ${code}: `));
  });

  it("exits 130 when interrupted mid-download, and the next get resumes where it stopped", async () => {
    const { server, storeDir, workDir } = await setup();
    const body = randomBytes(4 * MIB);
    await writeFile(join(storeDir, "slow.bin"), body);
    const relay = await startTcpRelay({ targetPort: server.address.port, maxDownBytes: MIB });
    cleanups.push(() => relay.close());
    const target = join(workDir, "slow.bin");
    const partial = join(workDir, `.slow.bin.${sha256(body).slice(0, 16)}.partial`);
    const cli = startSocklab(["get", "slow.bin", target, ...at(relay.port)]);
    await waitUntil("the relay to stall the download", () => (relay.downBytes === MIB ? true : undefined));
    // The relay holds back all but 1 MiB of the 4: whenever it comes, the interrupt is mid-download.
    await waitUntil("the local partial to hold part of the file", async () =>
      ((await stat(partial).catch(() => undefined))?.size ?? 0) > 0 ? true : undefined,
    );
    cli.signal("SIGINT");
    expect(await cli.exited).toBe(EXIT.interrupted);
    expect(cli.stderr).toContain("ERR_ABORTED");
    await expect(stat(target)).rejects.toMatchObject({ code: "ENOENT" });
    // What came through before the stall stays in the local partial, for the next get.
    const held = (await stat(partial)).size;
    expect(held).toBeGreaterThan(0);
    expect(held).toBeLessThan(MIB);
    const again = await socklab(["get", "slow.bin", target, "--json", ...at(server.address.port)]);
    expect(again.exitCode).toBe(EXIT.ok);
    expect(JSON.parse(again.stdout)).toMatchObject({
      resumedFromBytes: held,
      receivedBytes: body.length - held,
    });
    expect(sha256(await readFile(target))).toBe(sha256(body));
  });
});

describe("serviceOptionArgs: what put and get pass on from the host to the lab", () => {
  const parsed = (args: string[]): ServiceOptions => {
    const program = new Command();
    registerFileCommands(program);
    const put = program.commands.find((command) => command.name() === "put");
    put?.parseOptions(args);
    return put?.opts() as ServiceOptions;
  };

  it.each([
    ["separate words", ["f", "--port", "9001", "--host", "my-service"]],
    ["= forms", ["f", "--port=9001", "--host=my-service"]],
  ])("keeps --host and --port with their values, given as %s", (_label, args) => {
    expect(serviceOptionArgs(parsed(args))).toEqual(["--host", "my-service", "--port", "9001"]);
  });

  it("passes the defaults and --json on", () => {
    expect(serviceOptionArgs(parsed(["f", "--json"]))).toEqual([
      "--host",
      "file-transfer",
      "--port",
      "9000",
      "--json",
    ]);
  });
});
