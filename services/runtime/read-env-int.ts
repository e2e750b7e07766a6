import { SocklabError } from "../../protocol/socklab-error.ts";

export interface IntRange {
  min: number;
  max: number;
}

/** Reads an integer setting from the environment, or its default; anything else is a clear error. */
export function readEnvInt(
  env: NodeJS.ProcessEnv,
  name: string,
  defaultValue: number,
  range: IntRange = { min: 0, max: Number.MAX_SAFE_INTEGER },
): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return defaultValue;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < range.min || value > range.max) {
    throw new SocklabError(
      "ERR_BAD_SETTING",
      `${name}=${JSON.stringify(raw)} is not an integer in [${range.min}, ${range.max}]`,
    );
  }
  return value;
}
