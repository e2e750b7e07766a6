import path from "node:path";

/** What names the launcher's way of starting socklab, for the CLI it spawns (bin/socklab.js sets it). */
export const INVOKED_AS_ENV = "SOCKLAB_INVOKED_AS";

/**
 * The command the user typed to start socklab, so that examples and hints print a command that works
 * where they are: `npx socklab` on the host (the README's), `npm run socklab --` from that script,
 * `socklab` in the workbench or from a global install, `node cli/main.ts` when run by path.
 */
export function invokedAs(env: NodeJS.ProcessEnv, scriptPath: string, cwd: string): string {
  if (env["npm_lifecycle_event"] === "socklab") return "npm run socklab --";
  // npx, or an npm script (npm start, npm test) whose learner types npx next.
  if (env["npm_command"] === "exec" || env["npm_lifecycle_event"]) return "npx socklab";
  const fromLauncher = env[INVOKED_AS_ENV];
  if (fromLauncher) return fromLauncher;
  if (path.basename(scriptPath) === "socklab") return "socklab";
  return `node ${path.relative(cwd, scriptPath) || scriptPath}`;
}

/** How this process was started; computed once, since neither its environment nor argv change. */
export const SOCKLAB_COMMAND = invokedAs(process.env, process.argv[1] ?? "socklab", process.cwd());

/**
 * `socklab <args>` as the learner types it on the host, for commands that run only there (run,
 * fault): as they started this socklab on the host (the workbench's socklab is told, by
 * runInWorkbench), or, when they typed it in the workbench, the README's `npx socklab`.
 */
export function hostSocklabCommand(
  args: string,
  env: NodeJS.ProcessEnv = process.env,
  command = SOCKLAB_COMMAND,
): string {
  const typedInWorkbench = env["SOCKLAB_IN_WORKBENCH"] === "1" && command === "socklab";
  return `${typedInWorkbench ? "npx socklab" : command} ${args}`;
}

/** `socklab <args>` as the user can type it here, e.g. `npx socklab up` on the host. */
export function socklabCommand(args: string): string {
  return `${SOCKLAB_COMMAND} ${args}`;
}

/**
 * Help text with every `socklab <command>` of one of `commandNames` written as `invocation <command>`;
 * other words after "socklab" (its name in prose, as in "socklab across 2 hosts") stay.
 */
export function withInvocation(text: string, commandNames: readonly string[], invocation: string): string {
  if (invocation === "socklab" || commandNames.length === 0) return text;
  const names = commandNames.map((name) => name.replace(/[^a-z-]/g, "")).join("|");
  // Not after "npx ": texts that already print the host's command keep it.
  return text.replace(new RegExp(`(?<!npx )\\bsocklab (?=(?:${names})\\b)`, "g"), `${invocation} `);
}
