import { dockerClient } from "./docker-client.ts";

/** Removes socklab's images that a rebuild left untagged; other projects' images are not touched. */
export async function pruneSupersededImages(): Promise<void> {
  await dockerClient().pruneImages({
    filters: JSON.stringify({ dangling: ["true"], label: ["org.socklab.image=true"] }),
  });
}
