import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rejectsWith } from "../test-support/rejects-with.ts";
import { learnerServerRunArgs } from "./learner-server-run-args.ts";
import { resolveLearnerServer } from "./resolve-learner-server.ts";

let dir: string;

beforeAll(async () => {
  // mkdtemp makes folders of mode 0700, as a learner's home often is: closed to the container's user.
  dir = await mkdtemp(path.join(tmpdir(), "socklab-resolve-"));
  const chat = path.join(dir, "My_Chat");
  await mkdir(path.join(chat, "lib"), { recursive: true, mode: 0o700 });
  await chmod(chat, 0o700);
  await writeFile(path.join(chat, "main.py"), "import lib.rooms\n");
  await writeFile(path.join(chat, "lib", "rooms.py"), "ROOMS = {}\n");
  await writeFile(path.join(chat, ".env"), "SECRET=1\n");
  await writeFile(path.join(dir, "frame_echo.py"), "import framing\n");
  await writeFile(path.join(dir, "framing.py"), "\n");
  await writeFile(path.join(dir, "notes.txt"), "\n");
  await mkdir(path.join(dir, "private"));
  await writeFile(path.join(dir, "private", "server.py"), "\n", { mode: 0o600 });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("resolveLearnerServer", () => {
  it("names a folder's server after the folder, not its entry file, and mounts each of its files, never the folder", async () => {
    const server = await resolveLearnerServer(path.join(dir, "My_Chat"));
    expect(server).toMatchObject({
      defaultName: "my-chat",
      entryFile: "main.py",
      interpreter: ["python3", "-u"],
    });
    expect(server.files.map((f) => f.relativePath)).toEqual(["lib/rooms.py", "main.py"]);
    const args = learnerServerRunArgs({
      project: "socklab",
      network: "socklab_labnet",
      name: "my-chat",
      ports: [],
      ...server,
    });
    const mounts = args.filter((_arg, i) => args[i - 1] === "--volume");
    expect(mounts).toEqual([
      `${path.join(dir, "My_Chat", "lib", "rooms.py")}:/app/learner/lib/rooms.py:ro`,
      `${path.join(dir, "My_Chat", "main.py")}:/app/learner/main.py:ro`,
    ]);
    expect(args.slice(-3)).toEqual(["python3", "-u", "main.py"]);
  });

  it("names a file's server after the file, and brings the files beside it in its language", async () => {
    const server = await resolveLearnerServer(path.join(dir, "frame_echo.py"));
    expect(server).toMatchObject({ defaultName: "frame-echo", entryFile: "frame_echo.py" });
    expect(server.files.map((f) => f.relativePath)).toEqual(["frame_echo.py", "framing.py"]);
  });

  it("refuses a file that the container's user could not read, naming it and the fix", async () => {
    await rejectsWith(resolveLearnerServer(path.join(dir, "private")), {
      code: "ERR_USAGE",
      message: /server\.py is not readable by others \(mode 0600\).*chmod o\+r/,
    });
  });
});
