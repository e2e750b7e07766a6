import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import type Docker from "dockerode";
import { SocklabError } from "../../protocol/socklab-error.ts";
import { dockerClient, dockerClientFor } from "../docker/docker-client.ts";
import type { EngineSsh } from "../docker/ssh-engine-options.ts";
import { verifySshEngine } from "../docker/verify-ssh-engine.ts";
import type { HostSpec } from "./hosts-file.ts";
import { sshForDockerCli } from "./ssh-for-docker-cli.ts";

const execFileAsync = promisify(execFile);

/** A host of a cross-host lab: how the docker CLI reaches it, and (lazily) a dockerode client. */
export interface EngineHost {
  readonly spec: HostSpec;
  readonly name: string;
  /** The environment the docker CLI and compose run with to reach this host. */
  readonly cliEnv: NodeJS.ProcessEnv;
  /** dockerode for this host (over ssh for an ssh:// engine). */
  docker(): Docker;
}

/**
 * Resolves a host spec: a context becomes its endpoint URL (and its TLS material, where it has
 * some) for dockerode; the CLI keeps the context. An ssh:// engine (named or behind a context) is
 * pinged once here, so that its host key, key or engine fails before anything starts on any host.
 */
export async function connectHost(spec: HostSpec): Promise<EngineHost> {
  const endpoint =
    spec.dockerHost !== undefined
      ? { dockerHost: spec.dockerHost, tlsCertPath: spec.tlsCertPath }
      : await contextEndpoint(spec.context ?? "");
  const ssh: EngineSsh = {
    ...(spec.sshIdentityFile !== undefined ? { identityFile: spec.sshIdentityFile } : {}),
    ...(spec.sshKnownHostsFile !== undefined ? { knownHostsFile: spec.sshKnownHostsFile } : {}),
  };
  const isSsh = endpoint.dockerHost.startsWith("ssh:");
  const tls = endpoint.tlsCertPath !== undefined ? { certPath: endpoint.tlsCertPath } : undefined;
  return inHost(spec.name, async () => {
    const docker = dockerClientFor(endpoint.dockerHost, tls, ssh);
    if (isSsh) await verifySshEngine(docker, endpoint.dockerHost);
    const cliEnv = cliEnvFor(spec, endpoint);
    if (isSsh) cliEnv["PATH"] = [sshForDockerCli(ssh), cliEnv["PATH"] ?? ""].join(path.delimiter);
    return { spec, name: spec.name, cliEnv, docker: () => docker };
  });
}

/** The environment of the docker CLI and compose for one host: its context or URL, never the caller's. */
function cliEnvFor(
  spec: HostSpec,
  endpoint: { dockerHost: string; tlsCertPath?: string },
): NodeJS.ProcessEnv {
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
  return cliEnv;
}

// Every error of one host's set-up names the host.
async function inHost<T>(name: string, make: () => Promise<T>): Promise<T> {
  try {
    return await make();
  } catch (error) {
    if (!(error instanceof SocklabError)) throw error;
    throw new SocklabError(error.code, `host ${name}: ${error.message}`, { cause: error });
  }
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
