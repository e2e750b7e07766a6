import { mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { WriteBehindSync } from "./write-behind-sync.ts";

const dirs: string[] = [];

afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function tempFile(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "socklab-write-behind-"));
  dirs.push(dir);
  return join(dir, "partial");
}

describe("WriteBehindSync", () => {
  it("settles once the syncs it started are done, with every byte still in the file", async () => {
    const handle = await open(await tempFile(), "a+");
    const sync = new WriteBehindSync(handle, 1024);
    const chunk = new Uint8Array(700).fill(7);
    for (let i = 0; i < 10; i += 1) {
      await handle.write(chunk);
      sync.wrote(chunk.length);
    }
    await sync.settled();
    expect((await handle.stat()).size).toBe(7_000);
    await handle.close();
  });

  it("throws a sync's failure when settled, so that nothing is renamed after it", async () => {
    const handle = await open(await tempFile(), "a+");
    const sync = new WriteBehindSync(handle, 1);
    await handle.close();
    sync.wrote(1);
    await expect(sync.settled()).rejects.toMatchObject({ code: "EBADF" });
  });
});
