import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import packageJson from "../package.json" with { type: "json" };
import { REPO_ROOT } from "../labkit/lab/lab-project.ts";

const PINNED = packageJson.devDependencies.node;

describe("the pinned Node", () => {
  it("is an exact Node 24 release, the LTS line, from 24.11.0 on", () => {
    const [major, minor] = PINNED.split(".").map(Number);
    expect(PINNED).toMatch(/^\d+\.\d+\.\d+$/);
    expect(major).toBe(24);
    // 24.11.0 is the first release of the 24 line marked LTS ("Krypton").
    expect(minor).toBeGreaterThanOrEqual(11);
  });

  it.each(["Dockerfile", "bench/ngircd/Dockerfile"])(
    "is the base image %s builds on by default",
    async (file) => {
      const text = await readFile(path.join(REPO_ROOT, file), "utf8");
      expect(text).toContain(`ARG NODE_IMAGE=node:${PINNED}-bookworm-slim\n`);
    },
  );

  it("is the Node that runs the scripts and the tests", () => {
    expect(process.version).toBe(`v${PINNED}`);
  });
});
