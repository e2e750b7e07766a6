import { Command, Option } from "commander";
import { resolveComposeProject, type ComposeProject } from "../../labkit/compose/compose-project.ts";

let target: ComposeProject | undefined;

/** The compose project this run of socklab is about: -f/-p, else COMPOSE_FILE/COMPOSE_PROJECT_NAME, else socklab's lab. */
export function composeTarget(): ComposeProject {
  target ??= resolveComposeProject();
  return target;
}

interface ComposeFlags {
  file?: string[];
  projectName?: string;
}

/**
 * -f/--file and -p/--project-name, as `docker compose` takes them; on the program and on each
 * command. A command whose -f means something else (`logs -f` follows, as in compose) gets --file only.
 */
export function addComposeOptions(command: Command): Command {
  const fileFlags = command.options.some((o) => o.short === "-f")
    ? "--file <file...>"
    : "-f, --file <file...>";
  return command
    .addOption(new Option(fileFlags, "compose file(s) of the stack (default: socklab's lab)"))
    .addOption(new Option("-p, --project-name <name>", "compose project name"));
}

/**
 * Reads -f/-p from the command that runs and from the program (the command's own win), once,
 * before its action: a missing file fails here with ERR_COMPOSE_FILE_MISSING.
 */
export function resolveComposeTarget(program: Command, action: Command): void {
  const outer = program.opts<ComposeFlags>();
  const inner = action === program ? {} : action.opts<ComposeFlags>();
  const files = inner.file ?? outer.file;
  const projectName = inner.projectName ?? outer.projectName;
  target = resolveComposeProject({
    ...(files ? { files } : {}),
    ...(projectName ? { projectName } : {}),
  });
}
