#!/usr/bin/env node
import { readFileSync } from "node:fs";
import path from "node:path";
import { Command, CommanderError } from "commander";
import { registerCheckCommand } from "./commands/check-command.ts";
import { registerChatCommand } from "./commands/chat-command.ts";
import { registerEchoCommand } from "./commands/echo-command.ts";
import { registerFaultCommand } from "./commands/fault-command.ts";
import { registerFileCommands } from "./commands/file-commands.ts";
import { registerHostsCommand } from "./commands/hosts-command.ts";
import { registerLabCommands } from "./commands/lab-commands.ts";
import { registerNetstatCommand } from "./commands/netstat-command.ts";
import { registerRunCommands } from "./commands/run-commands.ts";
import { registerTourCommand } from "./commands/tour-command.ts";
import { registerTraceCommand } from "./commands/trace-command.ts";
import { registerWebCommand } from "./commands/web-command.ts";
import { registerWorkbenchCommands } from "./commands/workbench-commands.ts";
import { SOCKLAB_ROOT } from "../labkit/compose/compose-project.ts";
import { SocklabError } from "../protocol/socklab-error.ts";
import { EXIT, exitCodeFor } from "./exit-codes.ts";
import { SOCKLAB_COMMAND, withInvocation } from "./output/invoked-as.ts";
import { addComposeOptions, resolveComposeTarget } from "./lab/compose-target.ts";
import { addHostsFileOption, resolveHostsTarget } from "./lab/hosts-target.ts";

const packageJson = JSON.parse(readFileSync(path.join(SOCKLAB_ROOT, "package.json"), "utf8")) as {
  version: string;
};

const program = new Command()
  .name("socklab")
  .description("a socket-programming lab: echo, file transfer and chat services in containers")
  .version(packageJson.version)
  .showHelpAfterError()
  // -f/-p of the program come before the command, as with docker compose: `logs -f` follows.
  .enablePositionalOptions()
  // Help prints the examples as the user can type them here (npx socklab on the host).
  .configureOutput({
    writeOut: (text) => process.stdout.write(withInvocation(text, commandNames(), SOCKLAB_COMMAND)),
    writeErr: (text) => process.stderr.write(withInvocation(text, commandNames(), SOCKLAB_COMMAND)),
  })
  .exitOverride();

function commandNames(): string[] {
  return program.commands.map((command) => command.name());
}

const COMMANDS = [
  registerLabCommands,
  registerWorkbenchCommands,
  registerEchoCommand,
  registerFileCommands,
  registerChatCommand,
  registerNetstatCommand,
  registerRunCommands,
  registerTourCommand,
  registerCheckCommand,
  registerHostsCommand,
  registerFaultCommand,
  registerTraceCommand,
  registerWebCommand,
];
for (const register of COMMANDS) register(program);

// The commands that work on any compose stack, not only socklab's lab, take -f/-p after their name
// too; every command takes them before it, as `docker compose -f x.yml ps` does.
const ON_ANY_STACK = ["netstat", "status", "logs", "capture", "shell"];
addComposeOptions(program);
addHostsFileOption(program);
for (const command of program.commands) if (ON_ANY_STACK.includes(command.name())) addComposeOptions(command);
program.hook("preAction", resolveComposeTarget);
program.hook("preAction", resolveHostsTarget);

try {
  await program.parseAsync();
} catch (error) {
  if (error instanceof SocklabError) {
    process.stderr.write(`socklab: ${error.code}: ${error.message}\n`);
    process.exitCode = exitCodeFor(error.code);
  } else if (!(error instanceof CommanderError)) {
    process.stderr.write(`socklab: ${(error as Error).message}\n`);
    process.exitCode = EXIT.labFailed;
  } else {
    // help and version exit 0; every other commander error is a usage error.
    process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
}
