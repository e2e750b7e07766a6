import { Command, Option } from "commander";
import { resolveComposeProject, type ComposeProject } from "../../labkit/compose/compose-project.ts";

let flags: ComposeFlags = {};
let target: ComposeProject | undefined;

/**
 * The compose project this run of socklab is about: -f/-p, else COMPOSE_FILE/COMPOSE_PROJECT_NAME,
 * else socklab's lab. Resolved at first use, so that commands that never reach compose (those run
 * inside the workbench, which holds no compose file) never look for one; a missing file fails there.
 */
export function composeTarget(): ComposeProject {
  target ??= resolveComposeProject({
    ...(flags.file ? { files: flags.file } : {}),
    ...(flags.projectName ? { projectName: flags.projectName } : {}),
  });
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
  const fileFlags = command.options.some((o) => o.short === "-f") ? "--file <file>" : "-f, --file <file>";
  // Repeatable, not variadic: `-f a.yml status` must leave `status` to be the command.
  const collect = (file: string, earlier: string[] | undefined) => [...(earlier ?? []), file];
  return command
    .addOption(
      new Option(fileFlags, "a compose file of the stack, repeatable (default: socklab's lab)").argParser(
        collect,
      ),
    )
    .addOption(new Option("-p, --project-name <name>", "compose project name"));
}

/** Takes -f/-p from the command that runs and from the program (the command's own win), before its action. */
export function resolveComposeTarget(program: Command, action: Command): void {
  const outer = program.opts<ComposeFlags>();
  const inner = action === program ? {} : action.opts<ComposeFlags>();
  const file = inner.file ?? outer.file;
  const projectName = inner.projectName ?? outer.projectName;
  flags = { ...(file ? { file } : {}), ...(projectName ? { projectName } : {}) };
  target = undefined;
}
