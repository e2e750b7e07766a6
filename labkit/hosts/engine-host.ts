import { execFile } from "node:child_process";
import path from "node:path";
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

/**
 * Resolves a host spec: a context becomes its endpoint URL (and its TLS material, where it has
 * some) for dockerode; the CLI keeps the context.
 */
export async function connectHost(spec: HostSpec): Promise<EngineHost> {
  const endpoint =
    spec.dockerHost !== undefined
      ? { dockerHost: spec.dockerHost, tlsCertPath: spec.tlsCertPath }
      : await contextEndpoint(spec.context ?? "");
  const cliEnv: NodeJS.ProcessEnv = { ...process.env };
  delete cliEnv["DOCKER_HOST"];
  delete cliEnv["DOCKER_CONTEXT"];
  delete cliEnv["DOCKER_TLS_VERIFY"];
  delete cliEnv["DOCKER_CERT_PATH"];
  if (spec.context !== undefined) cliEnv["DOCKER_CONTEXT"] = spec.context;
  else cliEnv["DOCKER_HOST"] = endpoint.dockerHost;
  if (spec.context === undefined && endpoint.tlsCertPath !== undefined) {
    cliEnv["DOCKER_TLS_VERIFY"] = "1";
    cliEnv["DOCKER_CERT_PATH"] = endpoint.tlsCertPath;
  }
  const tls = endpoint.tlsCertPath !== undefined ? { certPath: endpoint.tlsCertPath } : undefined;
  // Made now, so that an engine socklab cannot reach (ssh://) or a missing certificate fails
  // before anything is started on any host.
  let docker: Docker;
  try {
    docker = dockerClientFor(endpoint.dockerHost, tls);
  } catch (error) {
    if (!(error instanceof SocklabError)) throw error;
    throw new SocklabError(error.code, `host ${spec.name}: ${error.message}`, { cause: error });
  }
  return { spec, name: spec.name, cliEnv, docker: () => docker };
}

interface ContextInspect {
  Endpoints?: { docker?: { Host?: string } };
  TLSMaterial?: { docker?: string[] };
  Storage?: { TLSPath?: string };
}

// A context made with `--docker host=tcp://...,ca=...,cert=...,key=...` keeps copies of the three
// files under its storage's TLS folder, in docker/.
async function contextEndpoint(context: string): Promise<{ dockerHost: string; tlsCertPath?: string }> {
  let inspected: ContextInspect;
  try {
    const { stdout } = await execFileAsync("docker", [
      "context",
      "inspect",
      context,
      "--format",
      "{{json .}}",
    ]);
    inspected = JSON.parse(stdout) as ContextInspect;
  } catch (error) {
    throw new SocklabError("ERR_HOST_CONTEXT", `no docker context named ${context}`, { cause: error });
  }
  const dockerHost = inspected.Endpoints?.docker?.Host ?? "";
  const material = inspected.TLSMaterial?.docker ?? [];
  const tlsPath = inspected.Storage?.TLSPath;
  const hasTls = ["ca.pem", "cert.pem", "key.pem"].every((file) => material.includes(file));
  return hasTls && tlsPath ? { dockerHost, tlsCertPath: path.join(tlsPath, "docker") } : { dockerHost };
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
