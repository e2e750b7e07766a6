import { type ChildProcess, execFile, spawn } from "node:child_process";
import { once } from "node:events";
import readline from "node:readline";
import { cp, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../labkit/lab/lab-project.ts";
import { compileSource, compileTree } from "./compile-for-image.ts";

const run = promisify(execFile);

describe("compileSource", () => {
  it("blanks the types and points relative imports at .js, static and dynamic", () => {
    const source = [
      'import type { A } from "./a.ts";',
      'import { b } from "../b/b.ts";',
      'export * from "./c.ts";',
      'import "./side-effect.ts";',
      "const x: number = 1;",
      'const m = await import("./lazy.ts");',
      'import net from "node:net";',
      'const text = "not an import: ./d.ts";',
    ].join("\n");
    const out = compileSource(source);
    expect(out).toContain('from "../b/b.js"');
    expect(out).toContain('from "./c.js"');
    expect(out).toContain('import "./side-effect.js"');
    expect(out).toContain('import("./lazy.js")');
    expect(out).toContain('from "node:net"');
    expect(out).toContain('"not an import: ./d.ts"');
    expect(out).not.toMatch(/: number/);
    // Lines keep their numbers, so a stack trace in a container points at the source's line.
    expect(out.split("\n")).toHaveLength(source.split("\n").length);
  });
});

describe("compileTree over the images' code", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "socklab-compile-"));
    for (const folder of ["protocol", "clients", "services"]) {
      await cp(path.join(REPO_ROOT, folder), path.join(dir, folder), { recursive: true });
    }
    await cp(path.join(REPO_ROOT, "package.json"), path.join(dir, "package.json"));
    for (const folder of ["protocol", "clients", "services"]) await compileTree(path.join(dir, folder));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("leaves no .ts file and no relative import of one", async () => {
    const files = await readdir(dir, { recursive: true });
    expect(files.filter((file) => file.endsWith(".ts"))).toEqual([]);
    for (const file of files.filter((name) => name.endsWith(".js"))) {
      const text = await readFile(path.join(dir, file), "utf8");
      expect(text, file).not.toMatch(/(?:from|import)\s*\(?\s*["']\.{1,2}\/[^"']*\.ts["']/);
    }
  });

  it("runs: the compiled tcp-echo answers the compiled healthcheck", async () => {
    const server = spawn(process.execPath, [path.join(dir, "services/tcp-echo/main.js")], {
      env: { ...process.env, SOCKLAB_HOST: "127.0.0.1", SOCKLAB_PORT: "0" },
      stdio: ["ignore", "pipe", "inherit"],
    });
    try {
      const port = await listeningPort(server);
      const check = await run(process.execPath, [path.join(dir, "clients/healthcheck/main.js"), "tcp", port]);
      expect(check.stderr).toBe("");
    } finally {
      server.kill();
    }
  });
});

/** The port from the service's `listening` log line. */
async function listeningPort(child: ChildProcess): Promise<string> {
  if (child.stdout === null) throw new Error("the service's output is not piped");
  const lines = readline.createInterface({ input: child.stdout });
  const exited = once(child, "exit").then(() => {
    throw new Error("the compiled service exited before it listened");
  });
  const found = (async () => {
    for await (const line of lines) {
      const match = /listening on .*:(\d+)"/.exec(line);
      if (match?.[1] !== undefined) return match[1];
    }
    throw new Error("the compiled service closed its output before it listened");
  })();
  return Promise.race([found, exited]);
}
