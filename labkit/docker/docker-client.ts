import { readFileSync } from "node:fs";
import path from "node:path";
import Docker from "dockerode";
import { SocklabError } from "../../protocol/socklab-error.ts";
import { sshEngineOptions, type EngineSsh, type SshEngineOptions } from "./ssh-engine-options.ts";

/** What the engine says of a container (docker inspect), for tests that check its settings. */
export type { ContainerInspectInfo } from "dockerode";

let client: Docker | undefined;

/**
 * One dockerode client for the harness, talking to the engine that DOCKER_HOST (or the socket)
 * names; an ssh:// DOCKER_HOST goes through socklab's own ssh options, so its host key is checked.
 */
export function dockerClient(): Docker {
  const dockerHost = process.env["DOCKER_HOST"];
  client ??= dockerHost?.startsWith("ssh:") ? dockerClientFor(dockerHost) : new Docker();
  return client;
}

/** TLS material for a tcp:// engine, as DOCKER_TLS_VERIFY and DOCKER_CERT_PATH give it to the CLI. */
export interface EngineTls {
  /** A folder with ca.pem, cert.pem and key.pem. */
  certPath: string;
}

const clientsByUrl = new Map<string, Docker>();
const sshOptionsOf = new WeakMap<Docker, SshEngineOptions>();

/**
 * A dockerode client for one engine, named by a DOCKER_HOST-style URL: unix://, tcp:// (with TLS
 * when `tls` is given) or ssh:// (docker-modem over ssh2, with `ssh`'s key and known_hosts). Any
 * other scheme fails here with ERR_HOST_URL_UNSUPPORTED.
 */
export function dockerClientFor(dockerHost: string, tls?: EngineTls, ssh?: EngineSsh): Docker {
  const key = JSON.stringify([dockerHost, tls?.certPath, ssh?.identityFile, ssh?.knownHostsFile]);
  let found = clientsByUrl.get(key);
  if (!found) {
    const url = parseEngineUrl(dockerHost);
    if (url.protocol === "ssh:") {
      const options = sshEngineOptions(dockerHost, url, ssh);
      found = new Docker(options.docker);
      sshOptionsOf.set(found, options);
    } else found = new Docker(engineOptions(dockerHost, url, tls));
    clientsByUrl.set(key, found);
  }
  return found;
}

/** The ssh options a client of an ssh:// engine was made with (for its errors), or undefined. */
export function sshOptionsOfClient(docker: Docker): SshEngineOptions | undefined {
  return sshOptionsOf.get(docker);
}

function engineOptions(dockerHost: string, url: URL, tls: EngineTls | undefined): Docker.DockerOptions {
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
    `socklab cannot reach ${dockerHost} through the Docker API: it takes unix://, tcp:// (with TLS) and ssh:// engines (docs/cross-host.md)`,
  );
}

function parseEngineUrl(dockerHost: string): URL {
  try {
    return new URL(dockerHost);
  } catch (error) {
    throw new SocklabError("ERR_HOST_URL_INVALID", `not a DOCKER_HOST URL: ${dockerHost}`, { cause: error });
  }
}
