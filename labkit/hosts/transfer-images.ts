import { spawn } from "node:child_process";
import { SocklabError } from "../../protocol/socklab-error.ts";
import type { EngineHost } from "./engine-host.ts";
import { runDockerCli } from "./run-docker-cli.ts";

async function imageIds(host: EngineHost, images: readonly string[]): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  await Promise.all(
    images.map(async (image) => {
      const id = await runDockerCli(host, ["image", "inspect", "--format", "{{.Id}}", image]).catch(() => "");
      if (id.trim() !== "") ids.set(image, id.trim());
    }),
  );
  return ids;
}

/**
 * Copies images from `source` to `target` without a registry (docker image save | docker image
 * load), skipping those the target already has with the same ID. Returns the images copied.
 */
export async function transferImages(
  source: EngineHost,
  target: EngineHost,
  images: readonly string[],
): Promise<string[]> {
  const [have, want] = await Promise.all([imageIds(target, images), imageIds(source, images)]);
  const missing = images.filter((image) => !want.has(image));
  if (missing.length > 0) {
    throw new SocklabError(
      "ERR_IMAGE_MISSING",
      `${source.name} has no image ${missing.join(", ")}: build it first`,
    );
  }
  const copy = images.filter((image) => have.get(image) !== want.get(image));
  if (copy.length > 0) await pipeSaveToLoad(source, target, copy);
  return copy;
}

function pipeSaveToLoad(source: EngineHost, target: EngineHost, images: readonly string[]): Promise<void> {
  const save = spawn("docker", ["image", "save", ...images], {
    env: source.cliEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const load = spawn("docker", ["image", "load", "-q"], {
    env: target.cliEnv,
    stdio: ["pipe", "ignore", "pipe"],
  });
  save.stdout.pipe(load.stdin);
  const stderr = { save: "", load: "" };
  save.stderr.setEncoding("utf8").on("data", (text: string) => (stderr.save += text));
  load.stderr.setEncoding("utf8").on("data", (text: string) => (stderr.load += text));
  const exited = (child: typeof save | typeof load) =>
    new Promise<number>((resolve) => child.on("close", (code) => resolve(code ?? -1)));
  return Promise.all([exited(save), exited(load)]).then(([saveCode, loadCode]) => {
    if (saveCode === 0 && loadCode === 0) return;
    throw new SocklabError(
      "ERR_IMAGE_TRANSFER",
      `copying ${images.join(", ")} from ${source.name} to ${target.name}: save exited ${saveCode} (${stderr.save.trim()}), load exited ${loadCode} (${stderr.load.trim()})`,
    );
  });
}
