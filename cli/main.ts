#!/usr/bin/env node
import { readFileSync } from "node:fs";
import path from "node:path";
import { Command, CommanderError } from "commander";
import { registerChatCommand } from "./commands/chat-command.ts";
import { registerEchoCommand } from "./commands/echo-command.ts";
import { registerFaultCommand } from "./commands/fault-command.ts";
import { registerFileCommands } from "./commands/file-commands.ts";
import { registerLabCommands } from "./commands/lab-commands.ts";
import { registerNetstatCommand } from "./commands/netstat-command.ts";
import { registerTourCommand } from "./commands/tour-command.ts";
import { registerWorkbenchCommands } from "./commands/workbench-commands.ts";
import { SocklabError } from "../protocol/socklab-error.ts";
import { EXIT } from "./exit-codes.ts";

const packageJson = JSON.parse(
  readFileSync(path.join(import.meta.dirname, "..", "package.json"), "utf8"),
) as {
  version: string;
};

const program = new Command()
  .name("socklab")
  .description("a socket-programming lab: echo, file transfer and chat services in containers")
  .version(packageJson.version)
  .showHelpAfterError()
  .exitOverride();

const COMMANDS = [
  registerLabCommands,
  registerWorkbenchCommands,
  registerEchoCommand,
  registerFileCommands,
  registerChatCommand,
  registerNetstatCommand,
  registerTourCommand,
  registerFaultCommand,
];
for (const register of COMMANDS) register(program);

// Errors a command lets through, by code; any other is docker or compose failing (4).
const EXIT_BY_ERROR_CODE: Readonly<Record<string, number>> = {
  ERR_LAB_DOWN: EXIT.labDown,
};

try {
  await program.parseAsync();
} catch (error) {
  if (error instanceof SocklabError) {
    process.stderr.write(`socklab: ${error.code}: ${error.message}\n`);
    process.exitCode = EXIT_BY_ERROR_CODE[error.code] ?? EXIT.labFailed;
  } else if (!(error instanceof CommanderError)) {
    process.stderr.write(`socklab: ${(error as Error).message}\n`);
    process.exitCode = EXIT.labFailed;
  } else {
    // help and version exit 0; every other commander error is a usage error.
    process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
}
