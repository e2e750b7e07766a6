import { styleText } from "node:util";
import { Option, type Command } from "commander";
import { EXIT } from "../exit-codes.ts";
import { requireRunningLab } from "../lab/require-running-lab.ts";
import { insideWorkbench } from "../lab/run-in-workbench.ts";
import { tracedLabOf } from "../lab/traced-lab-of.ts";
import { countExercises, TOUR_STEPS } from "../tour/tour-steps.ts";
import { TOUR_TEXTS } from "../tour/tour-texts.ts";
import { EXERCISES_DIR_BY_LANG, parseLang, resolveLang, type Lang } from "../lang/resolve-lang.ts";
import { SocklabError } from "../../protocol/socklab-error.ts";

/** `socklab tour`: each lesson of the tutorials, happening live in the running lab. */
export function registerTourCommand(program: Command): void {
  program
    .command("tour")
    .description("a guided tour: the handshake, the states, sticky packets, UDP, a file and a chat, live")
    .addOption(
      new Option(
        "--lang <lang>",
        "en or zh (简体中文); default: zh where LC_ALL or LANG starts with zh",
      ).argParser(parseLang),
    )
    .addHelpText(
      "after",
      "\nThe lab must be up (npm start runs the tour at its end).\nExamples:\n  socklab tour\n  socklab tour --lang zh\nExit codes: 0 every step ran, 1 a step failed, 5 the lab is not running.",
    )
    .action(async (options: { lang?: Lang }) => {
      process.exitCode = await runTour(resolveLang(options.lang));
    });
}

async function runTour(lang: Lang): Promise<number> {
  const texts = TOUR_TEXTS[lang];
  if (insideWorkbench()) {
    process.stderr.write(`${texts.runOnHost}\n`);
    return EXIT.usage;
  }
  const services = [...new Set(TOUR_STEPS.flatMap((step) => step.services))];
  const running = await requireRunningLab(services);
  const context = {
    lab: tracedLabOf(running, services),
    container(service: string) {
      const found = running.find((s) => s.service === service);
      if (!found) throw new SocklabError("ERR_LAB_DOWN", `${service} is not running in the lab`);
      return { name: service, id: found.container };
    },
    say: (text: string) => process.stdout.write(`${text}\n`),
    texts,
  };
  let failed = 0;
  for (const [index, step] of TOUR_STEPS.entries()) {
    context.say(`\n${styleText("bold", `${index + 1}. ${texts[step.key].title}`)}\n`);
    try {
      await step.run(context);
    } catch (error) {
      failed += 1;
      context.say(styleText("red", texts.stepFailed((error as Error).message)));
    }
  }
  const exercisesDir = EXERCISES_DIR_BY_LANG[lang];
  context.say(`\n${texts.whatNext(countExercises(exercisesDir), `${exercisesDir}/`)}`);
  return failed === 0 ? EXIT.ok : EXIT.mismatch;
}
