import { InvalidArgumentError } from "commander";

/** The languages socklab's lessons speak: the tour's texts, the exercises and the glossary. */
export const LANGS = ["en", "zh"] as const;
export type Lang = (typeof LANGS)[number];

/** For commander: `--lang zh`; anything else is a usage error that lists the languages. */
export function parseLang(text: string): Lang {
  const lang = LANGS.find((l) => l === text.toLowerCase());
  if (!lang) throw new InvalidArgumentError(`expected one of ${LANGS.join(", ")}, got ${text}`);
  return lang;
}

/**
 * `--lang` when given, else the locale: LC_ALL outranks LANG, as in POSIX; a locale that starts with
 * `zh` (zh_CN.UTF-8, zh_TW, zh) is Chinese, any other English.
 */
export function resolveLang(option: Lang | undefined, env: NodeJS.ProcessEnv = process.env): Lang {
  if (option) return option;
  const locale = env["LC_ALL"] || env["LANG"] || "";
  return locale.toLowerCase().startsWith("zh") ? "zh" : "en";
}

/** Where a language's exercises are, from the repository root. */
export const EXERCISES_DIR_BY_LANG: Readonly<Record<Lang, string>> = {
  en: "docs/exercises",
  zh: "docs/zh/exercises",
};
