import Docker from "dockerode";

/** What the engine says of a container (docker inspect), for tests that check its settings. */
export type { ContainerInspectInfo } from "dockerode";

let client: Docker | undefined;

/** One dockerode client for the harness, talking to the engine that DOCKER_HOST (or the socket) names. */
export function dockerClient(): Docker {
  client ??= new Docker();
  return client;
}
