import { styleText } from "node:util";
import type { Command } from "commander";
import { EXIT } from "../exit-codes.ts";
import { requireRunningLab } from "../lab/require-running-lab.ts";
import { insideWorkbench } from "../lab/run-in-workbench.ts";
import { TOUR_STEPS, whatNext } from "../tour/tour-steps.ts";
import { SocklabError } from "../../protocol/socklab-error.ts";

/** `socklab tour`: each lesson of the tutorials, happening live in the running lab. */
export function registerTourCommand(program: Command): void {
  program
    .command("tour")
    .description("a guided tour: the handshake, the states, sticky packets, UDP, a file and a chat, live")
    .addHelpText(
      "after",
      "\nThe lab must be up (npm start runs the tour at its end).\nExample:\n  socklab tour\nExit codes: 0 every step ran, 1 a step failed, 5 the lab is not running.",
    )
    .action(async () => {
      process.exitCode = await runTour();
    });
}

async function runTour(): Promise<number> {
  if (insideWorkbench()) {
    process.stderr.write("socklab tour: run it on the host, where it can look into every container\n");
    return EXIT.usage;
  }
  const running = await requireRunningLab([...new Set(TOUR_STEPS.flatMap((step) => step.services))]);
  const context = {
    container(service: string) {
      const found = running.find((s) => s.service === service);
      if (!found) throw new SocklabError("ERR_LAB_DOWN", `${service} is not running in the lab`);
      return { name: service, id: found.container };
    },
    say: (text: string) => process.stdout.write(`${text}\n`),
  };
  let failed = 0;
  for (const [index, step] of TOUR_STEPS.entries()) {
    context.say(`\n${styleText("bold", `${index + 1}. ${step.title}`)}\n`);
    try {
      await step.run(context);
    } catch (error) {
      failed += 1;
      context.say(styleText("red", `  this step failed: ${(error as Error).message}`));
    }
  }
  context.say(`\n${whatNext()}`);
  return failed === 0 ? EXIT.ok : EXIT.mismatch;
}
