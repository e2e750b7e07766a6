#!/usr/bin/env node
// The socklab command's launcher, in plain JavaScript so that any Node can start it: it runs the CLI
// on a Node that can (22 or newer for the packaged JavaScript, 24 for the repository's TypeScript),
// preferring the Node that the repository pins in node_modules, and says what to do when none is found.
import { spawn } from "node:child_process";
import process from "node:process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), "..");
const PACKAGED_ENTRY = path.join(ROOT, "dist", "cli", "main.js");
const SOURCE_ENTRY = path.join(ROOT, "cli", "main.ts");
// The npm package `node` (a devDependency of the repository) puts the pinned Node here.
const PINNED_NODE = path.join(ROOT, "node_modules", "node", "bin", "node");
const USAGE_EXIT = 2;

const entry = existsSync(PACKAGED_ENTRY) ? PACKAGED_ENTRY : SOURCE_ENTRY;
// Node strips TypeScript types by default from 23.6 (24 is the line the repository pins).
const neededMajor = entry === SOURCE_ENTRY ? 24 : 22;
const runningMajor = Number(process.versions.node.split(".")[0]);

function pickNode() {
  if (existsSync(PINNED_NODE)) return PINNED_NODE;
  if (runningMajor >= neededMajor) return process.execPath;
  return undefined;
}

const node = pickNode();
if (node === undefined) {
  process.stderr.write(
    `socklab: ERR_NODE_TOO_OLD: this is Node ${process.versions.node}; socklab needs Node ${neededMajor} or newer.\n` +
      `  In the socklab repository: run \`npm run setup\` (it installs the pinned Node into node_modules), then try again.\n` +
      `  Elsewhere: install Node ${neededMajor} or newer (nodejs.org, or your version manager) and run socklab with it.\n`,
  );
  process.exit(USAGE_EXIT);
}

// The CLI prints its examples as the user typed this launcher: `socklab` from a bin on PATH, else by path.
const scriptPath = process.argv[1] ?? "socklab";
const invokedAs =
  path.basename(scriptPath) === "socklab"
    ? "socklab"
    : `node ${path.relative(process.cwd(), scriptPath) || scriptPath}`;
const env = { ...process.env, SOCKLAB_INVOKED_AS: process.env.SOCKLAB_INVOKED_AS ?? invokedAs };
const child = spawn(node, [entry, ...process.argv.slice(2)], { stdio: "inherit", env });
// Ctrl-C at a terminal reaches the whole foreground group, the CLI included, so it is not passed on
// twice; a signal sent to this process alone (kill PID) is.
const forwarded = process.stdin.isTTY ? ["SIGTERM", "SIGHUP"] : ["SIGINT", "SIGTERM", "SIGHUP"];
for (const signal of forwarded) process.on(signal, () => child.kill(signal));
if (process.stdin.isTTY) process.on("SIGINT", () => undefined);
child.on("exit", (code, signal) => {
  process.exitCode = code ?? 128 + (signal === "SIGINT" ? 2 : signal === "SIGTERM" ? 15 : 1);
});
