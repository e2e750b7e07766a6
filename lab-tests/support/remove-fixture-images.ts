import { dockerClient } from "../../labkit/docker/docker-client.ts";

/** Removes the images that lab tests built for their fixtures (label org.socklab.fixture=true). */
export async function removeFixtureImages(): Promise<void> {
  const images = await dockerClient().listImages({
    filters: JSON.stringify({ label: ["org.socklab.fixture=true"] }),
  });
  for (const image of images) await dockerClient().getImage(image.Id).remove({ force: true });
}
