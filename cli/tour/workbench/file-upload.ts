// Run in the workbench by the tour: an upload to file-transfer that stops halfway until the tour
// has shown both ends' tables, then finishes, is checked by the server, and closes from this side.
import { createHash, randomBytes } from "node:crypto";
import { connectFileTransfer } from "../../../clients/file-transfer/file-transfer-client.ts";
import { createScriptIo } from "./create-script-io.ts";

const NAME = "tour.bin";
const SIZE_BYTES = 2 * 1024 * 1024;
const CHUNK_BYTES = 64 * 1024;
const PROGRESS_STEP_PERCENT = 25;

const io = createScriptIo("tour-put");
const bytes = randomBytes(SIZE_BYTES);
// The header announces size and hash before the first byte; the server checks both at the end.
const sha256 = createHash("sha256").update(bytes).digest("hex");

async function* halvesWithAPause(): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < SIZE_BYTES; at += CHUNK_BYTES) {
    if (at === SIZE_BYTES / 2) {
      io.emit("halfway", { sentBytes: at, totalBytes: SIZE_BYTES });
      await io.nextLine();
    }
    yield bytes.subarray(at, at + CHUNK_BYTES);
  }
}

let shownPercent = -1;
const client = await connectFileTransfer({ host: "file-transfer", port: 9000 });
const result = await client.put(
  NAME,
  { stream: halvesWithAPause(), size: SIZE_BYTES, sha256 },
  {
    onProgress(doneBytes, totalBytes) {
      const percent =
        Math.floor((doneBytes * 100) / totalBytes / PROGRESS_STEP_PERCENT) * PROGRESS_STEP_PERCENT;
      if (percent === shownPercent) return;
      shownPercent = percent;
      io.emit("progress", { percent, doneBytes, totalBytes });
    },
  },
);
io.emit("stored", { name: result.name, size: result.size, sha256: result.sha256 });
// This side closes first, so the TIME_WAIT stays here and file-transfer keeps nothing.
await client.close();
io.emit("closed");
