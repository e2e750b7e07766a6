import { readFile } from "node:fs/promises";
import path from "node:path";
import { SocklabError } from "../../protocol/socklab-error.ts";

/** One Docker host of a cross-host lab, as a user names it once in the hosts file. */
export interface HostSpec {
  /** A short name used in placements and messages: `h1`, `laptop`, `rack-2`. */
  name: string;
  /** A DOCKER_HOST URL: unix://, tcp:// (with `tlsCertPath`) or ssh://[user@]host[:port]. */
  dockerHost?: string;
  /** A docker context, instead of `dockerHost` (`docker context create ...`). */
  context?: string;
  /** The address other hosts reach this one at: swarm's --advertise-addr. */
  advertiseAddress: string;
  /** A folder with ca.pem, cert.pem and key.pem for a tcp:// engine with TLS (relative: to the hosts file). */
  tlsCertPath?: string;
  /** For an ssh:// engine: an unencrypted private key (relative: to the hosts file); the ssh agent otherwise. */
  sshIdentityFile?: string;
  /** For an ssh:// engine: the known_hosts file that lists its host key (relative: to the hosts file); ~/.ssh/known_hosts otherwise. */
  sshKnownHostsFile?: string;
}

/** The default hosts file, in the project that runs socklab. */
export const HOSTS_FILE_NAME = "socklab.hosts.json";

/** What an error that asks for a hosts file says about writing one, with the smallest example. */
export const HOW_TO_WRITE_A_HOSTS_FILE =
  'write one that names each Docker host, e.g. {"hosts":[{"name":"h1","context":"default","advertiseAddress":"192.0.2.11"}]} (docs/cross-host.md)';

const PATH_FIELDS = ["tlsCertPath", "sshIdentityFile", "sshKnownHostsFile"] as const;

/** Reads `{ "hosts": [ { "name", "dockerHost" | "context", "advertiseAddress" } ] }`. */
export async function readHostsFile(file: string): Promise<HostSpec[]> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const { code } = error as NodeJS.ErrnoException;
    if (code === "ENOENT") {
      throw new SocklabError(
        "ERR_HOSTS_FILE_MISSING",
        `no hosts file ${file}: ${HOW_TO_WRITE_A_HOSTS_FILE}`,
        { cause: error },
      );
    }
    throw new SocklabError(
      "ERR_HOSTS_FILE",
      `cannot read the hosts file ${file}: ${code ?? (error as Error).message}`,
      { cause: error },
    );
  }
  // A relative certificate folder or key file is the file's neighbour, wherever socklab runs from.
  const near = (field: string | undefined) =>
    field === undefined ? undefined : path.resolve(path.dirname(file), field);
  return parseHostsFile(text, file).map((spec) => {
    const resolved = { ...spec };
    for (const key of PATH_FIELDS) {
      const value = near(spec[key]);
      if (value !== undefined) resolved[key] = value;
    }
    return resolved;
  });
}

/** Checks a hosts file's text; `source` names it in errors. */
export function parseHostsFile(text: string, source: string): HostSpec[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new SocklabError("ERR_HOSTS_FILE", `${source} is not JSON`, { cause: error });
  }
  const hosts = (parsed as { hosts?: unknown }).hosts;
  if (!Array.isArray(hosts) || hosts.length === 0) {
    throw new SocklabError(
      "ERR_HOSTS_FILE",
      `${source}: expected { "hosts": [ ... ] } with at least one host`,
    );
  }
  const specs = hosts.map((host: unknown, index) => checkHost(host, `${source}: hosts[${index}]`));
  const names = specs.map((spec) => spec.name);
  const repeated = names.find((name, index) => names.indexOf(name) !== index);
  if (repeated !== undefined) {
    throw new SocklabError("ERR_HOSTS_FILE", `${source}: the host name ${repeated} is used twice`);
  }
  return specs;
}

function checkHost(value: unknown, where: string): HostSpec {
  const host = (typeof value === "object" && value !== null ? value : {}) as Record<string, unknown>;
  const text = (key: string): string | undefined => {
    const field = host[key];
    if (field === undefined) return undefined;
    if (typeof field !== "string" || field === "") {
      throw new SocklabError("ERR_HOSTS_FILE", `${where}.${key} must be a non-empty string`);
    }
    return field;
  };
  const name = text("name");
  const advertiseAddress = text("advertiseAddress");
  const dockerHost = text("dockerHost");
  const context = text("context");
  const tlsCertPath = text("tlsCertPath");
  const sshIdentityFile = text("sshIdentityFile");
  const sshKnownHostsFile = text("sshKnownHostsFile");
  if (name === undefined || !/^[a-z0-9][a-z0-9-]*$/.test(name)) {
    throw new SocklabError("ERR_HOSTS_FILE", `${where}.name must be lower-case letters, digits and -`);
  }
  if (advertiseAddress === undefined) {
    throw new SocklabError(
      "ERR_HOSTS_FILE",
      `${where} (${name}) needs advertiseAddress: the address other hosts reach it at`,
    );
  }
  if ((dockerHost === undefined) === (context === undefined)) {
    throw new SocklabError(
      "ERR_HOSTS_FILE",
      `${where} (${name}) needs exactly one of dockerHost and context`,
    );
  }
  return {
    name,
    advertiseAddress,
    ...(dockerHost !== undefined ? { dockerHost } : {}),
    ...(context !== undefined ? { context } : {}),
    ...(tlsCertPath !== undefined ? { tlsCertPath } : {}),
    ...(sshIdentityFile !== undefined ? { sshIdentityFile } : {}),
    ...(sshKnownHostsFile !== undefined ? { sshKnownHostsFile } : {}),
  };
}
