import { expect } from "vitest";

interface ExpectedFailure {
  code?: string;
  /** A part of the message, or a pattern it matches. */
  message?: string | RegExp;
  /** A part of a CheckFailure's "look at" line. */
  lookAt?: string;
}

/** Asserts that `promise` rejects with an error whose code, message and lookAt are as expected. */
export async function rejectsWith(promise: Promise<unknown>, expected: ExpectedFailure): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason as { code?: string; message: string; lookAt?: string },
  );
  expect(error, "it resolved").toBeDefined();
  if (expected.code !== undefined) expect(error?.code).toBe(expected.code);
  if (typeof expected.message === "string") expect(error?.message).toContain(expected.message);
  if (expected.message instanceof RegExp) expect(error?.message).toMatch(expected.message);
  if (expected.lookAt !== undefined) expect(error?.lookAt).toContain(expected.lookAt);
}
