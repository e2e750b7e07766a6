import { readFileSync } from "node:fs";
import path from "node:path";
import Docker from "dockerode";
import { SocklabError } from "../../protocol/socklab-error.ts";

/** What the engine says of a container (docker inspect), for tests that check its settings. */
export type { ContainerInspectInfo } from "dockerode";

let client: Docker | undefined;

/** One dockerode client for the harness, talking to the engine that DOCKER_HOST (or the socket) names. */
export function dockerClient(): Docker {
  client ??= new Docker();
  return client;
}

/** TLS material for a tcp:// engine, as DOCKER_TLS_VERIFY and DOCKER_CERT_PATH give it to the CLI. */
export interface EngineTls {
  /** A folder with ca.pem, cert.pem and key.pem. */
  certPath: string;
}

const clientsByUrl = new Map<string, Docker>();

/**
 * A dockerode client for one engine, named by a DOCKER_HOST-style URL (unix:// or tcp://, with TLS
 * when `tls` is given). ssh:// engines are reached by the docker CLI only: the harness (dockerode,
 * testcontainers) cannot drive them, so they fail here with ERR_HOST_URL_UNSUPPORTED.
 */
export function dockerClientFor(dockerHost: string, tls?: EngineTls): Docker {
  const key = `${dockerHost} ${tls?.certPath ?? ""}`;
  let found = clientsByUrl.get(key);
  if (!found) {
    found = new Docker(engineOptions(dockerHost, tls));
    clientsByUrl.set(key, found);
  }
  return found;
}

function engineOptions(dockerHost: string, tls: EngineTls | undefined): Docker.DockerOptions {
  const url = parseEngineUrl(dockerHost);
  if (url.protocol === "unix:") return { socketPath: url.pathname };
  if (url.protocol === "tcp:") {
    const port = Number(url.port || (tls ? 2376 : 2375));
    if (!tls) return { protocol: "http", host: url.hostname, port };
    const read = (file: string) => {
      try {
        return readFileSync(path.join(tls.certPath, file));
      } catch (error) {
        throw new SocklabError(
          "ERR_HOSTS_FILE",
          `cannot read ${file} for ${dockerHost} in ${tls.certPath} (it needs ca.pem, cert.pem and key.pem)`,
          { cause: error },
        );
      }
    };
    return {
      protocol: "https",
      host: url.hostname,
      port,
      ca: read("ca.pem"),
      cert: read("cert.pem"),
      key: read("key.pem"),
    };
  }
  throw new SocklabError(
    "ERR_HOST_URL_UNSUPPORTED",
    `socklab cannot reach ${dockerHost} through the Docker API: its clients (dockerode, testcontainers) are used over unix:// and tcp:// with TLS only, and a lab across hosts reads sockets and starts helpers through them; give that engine a TLS endpoint, or drive it over ssh with the docker CLI and compose by hand (docs/cross-host.md)`,
  );
}

function parseEngineUrl(dockerHost: string): URL {
  try {
    return new URL(dockerHost);
  } catch (error) {
    throw new SocklabError("ERR_HOST_URL_INVALID", `not a DOCKER_HOST URL: ${dockerHost}`, { cause: error });
  }
}
