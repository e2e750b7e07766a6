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

/** A TCP or UDP port, 1 to 65535; 0 ("any free one") only where `allowAny` says a listener may take it. */
export function portNumber(text: string, { allowAny = false } = {}): number {
  const value = Number(text);
  const lowest = allowAny ? 0 : 1;
  if (!Number.isInteger(value) || value < lowest || value > 65_535)
    throw new InvalidArgumentError(`expected a port from ${lowest} to 65535, got ${text}`);
  return value;
}
