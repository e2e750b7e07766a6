import { InvalidArgumentError } from "commander";

/** Option parsers for commander: a bad number is a usage error (exit 2) that names what was given. */
export function positiveInt(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1)
    throw new InvalidArgumentError(`expected a positive integer, got ${text}`);
  return value;
}

export function nonNegativeInt(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0)
    throw new InvalidArgumentError(`expected an integer >= 0, got ${text}`);
  return value;
}
