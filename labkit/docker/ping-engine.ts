import { SocklabError } from "../../protocol/socklab-error.ts";
import { dockerClient } from "./docker-client.ts";

/** ERR_ENGINE_UNREACHABLE, naming where the engine was looked for, unless it answers a ping. */
export async function pingEngine(): Promise<void> {
  try {
    await dockerClient().ping();
  } catch (error) {
    const where = process.env["DOCKER_HOST"] ?? "the default socket (/var/run/docker.sock)";
    throw new SocklabError(
      "ERR_ENGINE_UNREACHABLE",
      `no Docker engine answers at ${where}: start one (or set DOCKER_HOST), then try again`,
      { cause: error },
    );
  }
}
