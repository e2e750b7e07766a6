import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type Docker from "dockerode";
import { SocklabError } from "../../protocol/socklab-error.ts";
import { dockerClient, dockerClientFor } from "../docker/docker-client.ts";
import type { HostSpec } from "./hosts-file.ts";

const execFileAsync = promisify(execFile);

/** A host of a cross-host lab: how the docker CLI reaches it, and (lazily) a dockerode client. */
export interface EngineHost {
  readonly spec: HostSpec;
  readonly name: string;
  /** The environment the docker CLI and compose run with to reach this host. */
  readonly cliEnv: NodeJS.ProcessEnv;
  /** dockerode for this host; throws ERR_HOST_URL_UNSUPPORTED for an ssh:// engine. */
  docker(): Docker;
}

/** Resolves a host spec: a context becomes its endpoint URL for dockerode; the CLI keeps the context. */
export async function connectHost(spec: HostSpec): Promise<EngineHost> {
  const dockerHost = spec.dockerHost ?? (await contextEndpoint(spec.context ?? ""));
  const cliEnv: NodeJS.ProcessEnv = { ...process.env };
  delete cliEnv["DOCKER_HOST"];
  delete cliEnv["DOCKER_CONTEXT"];
  delete cliEnv["DOCKER_TLS_VERIFY"];
  delete cliEnv["DOCKER_CERT_PATH"];
  if (spec.context !== undefined) cliEnv["DOCKER_CONTEXT"] = spec.context;
  else cliEnv["DOCKER_HOST"] = dockerHost;
  if (spec.tlsCertPath !== undefined) {
    cliEnv["DOCKER_TLS_VERIFY"] = "1";
    cliEnv["DOCKER_CERT_PATH"] = spec.tlsCertPath;
  }
  const tls = spec.tlsCertPath !== undefined ? { certPath: spec.tlsCertPath } : undefined;
  return { spec, name: spec.name, cliEnv, docker: () => dockerClientFor(dockerHost, tls) };
}

async function contextEndpoint(context: string): Promise<string> {
  try {
    const { stdout } = await execFileAsync("docker", [
      "context",
      "inspect",
      context,
      "--format",
      "{{.Endpoints.docker.Host}}",
    ]);
    return stdout.trim();
  } catch (error) {
    throw new SocklabError("ERR_HOST_CONTEXT", `no docker context named ${context}`, { cause: error });
  }
}

/** The engine this process talks to by default (DOCKER_HOST or the local socket): where images are built. */
export function localEngineHost(): EngineHost {
  const spec: HostSpec = {
    name: "local",
    dockerHost: process.env["DOCKER_HOST"] ?? "unix:///var/run/docker.sock",
    advertiseAddress: "",
  };
  return { spec, name: spec.name, cliEnv: { ...process.env }, docker: () => dockerClient() };
}
