import type { Writable } from "node:stream";
import { SocklabError } from "../../protocol/socklab-error.ts";

/** Resolves when `stream` wants more data; rejects if it closes or fails first, so no writer waits forever. */
export function waitForDrain(stream: Writable): Promise<void> {
  if (stream.destroyed)
    return Promise.reject(new SocklabError("ERR_CONNECTION_CLOSED", "the connection is closed"));
  if (!stream.writableNeedDrain) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onDrain = (): void => {
      cleanup();
      resolve();
    };
    const onClose = (): void => {
      cleanup();
      reject(
        new SocklabError("ERR_CONNECTION_CLOSED", "the connection closed while data was waiting to be sent"),
      );
    };
    const cleanup = (): void => {
      stream.off("drain", onDrain);
      stream.off("close", onClose);
    };
    stream.on("drain", onDrain);
    stream.on("close", onClose);
  });
}
