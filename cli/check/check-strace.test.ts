import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkStrace } from "./check-strace.ts";

// Exercise 9's check on logs named as the learner chose (--server, --client): every message names them.
const server = (port: number, withListen = true) =>
  [
    "1201  socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, IPPROTO_TCP) = 3",
    `1201  bind(3, {sa_family=AF_INET, sin_port=htons(${port}), sin_addr=inet_addr("0.0.0.0")}, 16) = 0`,
    ...(withListen ? ["1201  listen(3, 5)                      = 0"] : []),
    '1201  accept4(3, {sa_family=AF_INET, sin_port=htons(41234), sin_addr=inet_addr("127.0.0.1")}, [16], SOCK_CLOEXEC) = 4',
    '1201  recvfrom(4, "hello, server\\n", 1024, 0, NULL, NULL) = 14',
    '1201  sendto(4, "hi, client\\n", 11, 0, NULL, 0) = 11',
    "1201  close(4)                          = 0",
    "",
  ].join("\n");
const client = (port: number) =>
  [
    "1301  socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, IPPROTO_TCP) = 3",
    `1301  connect(3, {sa_family=AF_INET, sin_port=htons(${port}), sin_addr=inet_addr("127.0.0.1")}, 16) = 0`,
    '1301  sendto(3, "hello, server\\n", 14, 0, NULL, 0) = 14',
    '1301  recvfrom(3, "hi, client\\n", 1024, 0, NULL, NULL) = 11',
    "1301  close(3)                          = 0",
    "",
  ].join("\n");

let dir: string;
const at = (name: string) => path.join(dir, name);
const options = (serverFile: string, clientFile: string) => ({
  server: at(serverFile),
  client: at(clientFile),
  clients: 1,
  timeoutMs: 1_000,
});

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "socklab-check-strace-"));
  await writeFile(at("my-server.log"), server(9009));
  await writeFile(at("my-client.log"), client(9009));
  await writeFile(at("other-run.log"), client(9010));
  await writeFile(at("no-listen.log"), server(9009, false));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("socklab check 9 with logs of the learner's own names", () => {
  it("passes one conversation, whatever the files are called", async () => {
    const pass = await checkStrace(options("my-server.log", "my-client.log"));
    expect(pass.facts.join("\n")).toMatch(
      /server: socket\(\) = 3, bind\(3, port 9009\), listen\(3\), accept4\(3\) = 4/,
    );
  });

  it("names both files when they are of two different runs", async () => {
    await expect(checkStrace(options("my-server.log", "other-run.log"))).rejects.toThrow(
      `${at("other-run.log")} connects to port 9010, but ${at("my-server.log")} bound port 9009: not one conversation`,
    );
  });

  it("names the server's file when a call is missing from it", async () => {
    await expect(checkStrace(options("no-listen.log", "my-client.log"))).rejects.toThrow(
      `${at("no-listen.log")} binds descriptor 3 to port 9009 but never calls listen() on it`,
    );
  });
});
