// startLab's bad input: each a SocklabError with its code, what was wrong and what exists, and
// nothing left on the engine.
import path from "node:path";
import { describe, expect, it } from "vitest";
import { dockerClient } from "../../labkit/docker/docker-client.ts";
import { COMPOSE_PROJECT_LABEL } from "../../labkit/lab/lab-project.ts";
import { startLab } from "../../labkit/lab/start-lab.ts";

const FIXTURES = path.join(import.meta.dirname, "fixtures");
const PREFIX = "socklab-test-bad-input-";

/** The containers of every project this file started, whatever their state. */
async function containersLeft(): Promise<string[]> {
  const all = await dockerClient().listContainers({
    all: true,
    filters: JSON.stringify({ label: [COMPOSE_PROJECT_LABEL] }),
  });
  return all.map((c) => c.Labels[COMPOSE_PROJECT_LABEL] ?? "").filter((name) => name.startsWith(PREFIX));
}

describe("startLab on bad input", () => {
  it("names a compose file that does not exist, and starts nothing", async () => {
    const start = startLab({ projectDir: FIXTURES, files: ["compose.missing.yml"], projectPrefix: PREFIX });
    await expect(start).rejects.toMatchObject({
      code: "ERR_COMPOSE_FILE_MISSING",
      message: expect.stringContaining(path.join(FIXTURES, "compose.missing.yml")) as string,
    });
    expect(await containersLeft()).toEqual([]);
  });

  it("names a service the stack does not have and lists those it has, and starts nothing", async () => {
    const start = startLab({ services: ["tcp-echo", "no-such-service"], projectPrefix: PREFIX });
    await expect(start).rejects.toMatchObject({
      code: "ERR_UNKNOWN_SERVICE",
      message: expect.stringMatching(
        /"no-such-service".*chat, file-transfer, tcp-echo, udp-echo, workbench/,
      ) as string,
    });
    expect(await containersLeft()).toEqual([]);
  });

  it("fails a start whose service never becomes healthy, and removes what it started", async () => {
    const start = startLab({
      projectDir: FIXTURES,
      files: ["compose.never-healthy.yml"],
      projectPrefix: PREFIX,
    });
    await expect(start).rejects.toMatchObject({ code: "ERR_COMPOSE_FAILED" });
    expect(await containersLeft()).toEqual([]);
  });

  it("names the services a running lab has when asked for one it does not", async () => {
    await using lab = await startLab({ services: ["tcp-echo"], projectPrefix: PREFIX });
    expect(() => lab.container("tcp-ech0")).toThrow(
      expect.objectContaining({
        code: "ERR_UNKNOWN_SERVICE",
        message: expect.stringContaining(
          "its services: chat, file-transfer, tcp-echo, udp-echo, workbench",
        ) as string,
      }),
    );
    expect(() => lab.container("chat")).toThrow(expect.objectContaining({ code: "ERR_LAB_DOWN" }));
    expect(lab.container("tcp-echo").id).toMatch(/^[0-9a-f]{64}$/);
  });
});
