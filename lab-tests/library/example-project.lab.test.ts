// The proof from outside: socklab packed as npm would publish it, installed into a copy of
// examples/greeter in a clean temporary folder, whose own lab tests then run against its own stack.
import { execFile } from "node:child_process";
import { access, cp, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { promisify, stripVTControlCharacters } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import packageJson from "../../package.json" with { type: "json" };
import { dockerClient } from "../../labkit/docker/docker-client.ts";
import { COMPOSE_PROJECT_LABEL, REPO_ROOT } from "../../labkit/lab/lab-project.ts";

const execFileAsync = promisify(execFile);
const EXAMPLE = path.join(REPO_ROOT, "examples", "greeter");
const EXAMPLE_IMAGE = "socklab-example/greeter:latest";
// The base image this machine has: the pinned Node's, official or its local equivalent.
const NODE_IMAGE = `node:${packageJson.devDependencies.node}-bookworm-slim`;
const WORKING_DIR_LABEL = "com.docker.compose.project.working_dir";

let scratch: string;
let project: string;
let tarball: string;

// npm and the example's tools run on the Node of this test run, found first on PATH.
const env = (): NodeJS.ProcessEnv => ({
  ...process.env,
  PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env["PATH"] ?? ""}`,
  NODE_IMAGE,
});

interface RunResult {
  stdout: string;
  stderr: string;
}

async function run(command: string, args: readonly string[], cwd: string): Promise<RunResult> {
  return execFileAsync(command, args, { cwd, env: env(), maxBuffer: 64 * 1024 * 1024 });
}

/** Like run, but a non-zero exit resolves with its output too, for the assertion to show. */
async function runToEnd(command: string, args: readonly string[], cwd: string): Promise<RunResult> {
  return run(command, args, cwd).catch((error: unknown) => {
    const { stdout = "", stderr = "" } = error as Partial<RunResult>;
    return { stdout, stderr: `${stderr}\n${(error as Error).message}` };
  });
}

beforeAll(async () => {
  scratch = await mkdtemp(path.join(os.tmpdir(), "socklab-example-"));
  await run("npm", ["pack", "--silent", "--pack-destination", scratch], REPO_ROOT);
  const packed = (await readdir(scratch)).filter((name) => name.endsWith(".tgz"));
  expect(packed).toHaveLength(1);
  tarball = path.join(scratch, packed[0] ?? "");
  project = path.join(scratch, "greeter");
  await cp(EXAMPLE, project, { recursive: true, filter: (source) => !source.includes("node_modules") });
  // The versions the example names, with socklab itself from the tarball; from npm's cache when it has them.
  await run(
    "npm",
    ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error", "--save-dev", tarball],
    project,
  );
});

afterAll(async () => {
  await dockerClient()
    .getImage(EXAMPLE_IMAGE)
    .remove({ force: true })
    .catch(() => undefined);
  await rm(scratch, { recursive: true, force: true });
});

describe("socklab from its packed tarball, in a project of its own", () => {
  it("installs as a package whose entry points are compiled JavaScript with declarations", async () => {
    const installed = path.join(project, "node_modules", "socklab");
    const { stdout } = await run(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        "const s = await import('socklab'); console.log(typeof s.startLab, typeof s.waitForSocket)",
      ],
      project,
    );
    expect(stdout.trim()).toBe("function function");
    expect((await readdir(path.join(installed, "dist", "labkit"))).sort()).toEqual(
      expect.arrayContaining(["index.js", "index.d.ts", "matchers.js", "matchers.d.ts"]),
    );
  });

  it("ships what socklab web serves: the built page, and the server the command loads", async () => {
    const installed = path.join(project, "node_modules", "socklab");
    const help = await run("npx", ["socklab", "web", "--help"], project);
    expect(help.stdout).toMatch(/^Usage: (npx )?socklab web \[options\]/m);
    // The folder the packaged command serves is the package's own built page.
    const command = pathToFileURL(path.join(installed, "dist", "cli", "commands", "web-command.js")).href;
    const { stdout } = await run(
      process.execPath,
      ["--input-type=module", "-e", `console.log((await import(${JSON.stringify(command)})).WEB_BUNDLE_DIR)`],
      project,
    );
    const bundleDir = stdout.trim();
    expect(bundleDir).toBe(path.join(installed, "dist", "page"));
    const index = await readFile(path.join(bundleDir, "index.html"), "utf8");
    const assets = [...index.matchAll(/(?:src|href)="\.?\/?(assets\/[^"]+)"/g)].map((m) => m[1] ?? "");
    expect(assets.some((asset) => asset.endsWith(".js"))).toBe(true);
    for (const asset of assets) await expect(access(path.join(bundleDir, asset))).resolves.toBeUndefined();
  });

  it("typechecks the example's tests against the package's declarations", async () => {
    const { stdout, stderr } = await runToEnd("npx", ["tsc", "-p", "."], project);
    expect(`${stdout}${stderr}`).toBe("");
  });

  it("runs the example's lab tests, which start its own stack and pass", async () => {
    const result = await runToEnd("npx", ["vitest", "run", "--reporter=verbose"], project);
    expect(stripVTControlCharacters(result.stdout), result.stderr).toMatch(/Tests\s+3 passed \(3\)/);
    // Each lab disposed itself: nothing of the example's stack is left on the engine.
    const left = await dockerClient().listContainers({
      all: true,
      filters: JSON.stringify({ label: [`${WORKING_DIR_LABEL}=${project}`] }),
    });
    expect(left.map((c) => c.Labels[COMPOSE_PROJECT_LABEL])).toEqual([]);
  });
});
