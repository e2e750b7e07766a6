import Docker from "dockerode";

let client: Docker | undefined;

/** One dockerode client for the harness, talking to the engine that DOCKER_HOST (or the socket) names. */
export function dockerClient(): Docker {
  client ??= new Docker();
  return client;
}
