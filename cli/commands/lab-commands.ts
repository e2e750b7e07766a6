import type { Command } from "commander";
import { compose, pruneSupersededImages } from "../lab/compose.ts";
import { EXIT } from "../exit-codes.ts";
import { readLabStatus, formatLabStatus } from "../lab/read-lab-status.ts";

/** `up`, `down`, `status` and `logs`: the lab's lifecycle, through docker compose. */
export function registerLabCommands(program: Command): void {
  program
    .command("up")
    .description("build the images if needed, start the lab, and wait until every service is healthy")
    .addHelpText("after", "\nExample:\n  socklab up")
    .action(async () => {
      const { exitCode } = await compose(["up", "--build", "--detach", "--wait"], { output: "inherit" });
      process.exitCode = exitCode === 0 ? EXIT.ok : EXIT.labFailed;
      if (exitCode === 0) await pruneSupersededImages();
    });

  program
    .command("down")
    .description("stop the lab and remove its containers and network")
    .option("--volumes", "also remove the lab's volumes (stored files)")
    .addHelpText("after", "\nExamples:\n  socklab down\n  socklab down --volumes")
    .action(async (options: { volumes?: boolean }) => {
      const args = ["down", "--remove-orphans", ...(options.volumes ? ["--volumes"] : [])];
      const { exitCode } = await compose(args, { output: "inherit" });
      process.exitCode = exitCode === 0 ? EXIT.ok : EXIT.labFailed;
    });

  program
    .command("status")
    .description("the lab's services: state, health, address on labnet")
    .option("--json", "print JSON for scripts")
    .addHelpText("after", "\nExamples:\n  socklab status\n  socklab status --json")
    .action(async (options: { json?: boolean }) => {
      const status = await readLabStatus();
      process.stdout.write(options.json ? `${JSON.stringify(status, null, 2)}\n` : formatLabStatus(status));
      process.exitCode =
        status.length > 0 && status.every((s) => s.health !== "unhealthy") ? EXIT.ok : EXIT.labDown;
    });

  program
    .command("logs")
    .description("the services' log lines (one JSON object per line)")
    .argument("[service]", "one service, e.g. tcp-echo")
    .option("-f, --follow", "keep printing new lines")
    .addHelpText("after", "\nExamples:\n  socklab logs tcp-echo\n  socklab logs -f")
    .action(async (service: string | undefined, options: { follow?: boolean }) => {
      const args = [
        "logs",
        "--no-log-prefix",
        ...(options.follow ? ["--follow"] : []),
        ...(service ? [service] : []),
      ];
      const { exitCode } = await compose(args, { output: "inherit" });
      process.exitCode = exitCode === 0 ? EXIT.ok : EXIT.labFailed;
    });
}
