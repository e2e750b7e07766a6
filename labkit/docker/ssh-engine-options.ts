import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type Docker from "dockerode";
import { SocklabError } from "../../protocol/socklab-error.ts";
import { knownHostKeys, type HostKeyVerdict } from "./known-host-keys.ts";

/** How socklab authenticates to an ssh:// engine and checks its host key (hosts file: sshIdentityFile, sshKnownHostsFile). */
export interface EngineSsh {
  /** An unencrypted private key file; without it, the agent at SSH_AUTH_SOCK. */
  identityFile?: string;
  /** The known_hosts file that must list the host's key: ~/.ssh/known_hosts by default. */
  knownHostsFile?: string;
}

/** What the last refused connection's host key was, for the error that explains it. */
export interface HostKeyRefusal {
  verdict: HostKeyVerdict;
  /** `ssh-ed25519 SHA256:...`, as ssh-keygen -l prints it. */
  fingerprint: string;
  knownHostsFiles: readonly string[];
}

export interface SshEngineOptions {
  docker: Docker.DockerOptions;
  /** Set when a connection was refused for its host key. */
  lastRefusal(): HostKeyRefusal | undefined;
  /** How the client authenticated, for messages: "the key in FILE" or "the agent at SSH_AUTH_SOCK". */
  credentials: string;
}

const GLOBAL_KNOWN_HOSTS = "/etc/ssh/ssh_known_hosts";
const SSH_READY_TIMEOUT_MS = 15_000;
// A known_hosts key type and the signature algorithms ssh2 may then ask the server for.
const HOST_KEY_ALGORITHMS: Record<string, readonly string[]> = {
  "ssh-ed25519": ["ssh-ed25519"],
  "ecdsa-sha2-nistp256": ["ecdsa-sha2-nistp256"],
  "ecdsa-sha2-nistp384": ["ecdsa-sha2-nistp384"],
  "ecdsa-sha2-nistp521": ["ecdsa-sha2-nistp521"],
  "ssh-rsa": ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"],
};

/** The user's known_hosts file unless one is named: the same file socklab's ssh for the docker CLI reads. */
export function knownHostsFileOf(ssh: EngineSsh): string {
  return ssh.knownHostsFile ?? path.join(os.homedir(), ".ssh", "known_hosts");
}

/**
 * dockerode options for an ssh:// engine: docker-modem opens an ssh connection per request (ssh2)
 * and runs `docker system dial-stdio` there. The host key must be in known_hosts, as with OpenSSH's
 * StrictHostKeyChecking=yes: socklab never accepts an unknown or changed key.
 */
export function sshEngineOptions(dockerHost: string, url: URL, ssh: EngineSsh = {}): SshEngineOptions {
  if (url.pathname !== "" && url.pathname !== "/") {
    throw new SocklabError(
      "ERR_HOST_URL_UNSUPPORTED",
      `socklab cannot reach ${dockerHost} through the Docker API: its ssh client (docker-modem) runs \`docker system dial-stdio\` with the remote user's default engine and takes no socket path; drop the path and set DOCKER_HOST for that user on the remote (sshd's SetEnv, say) (docs/cross-host.md)`,
    );
  }
  quietModemUrlWarning();
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  const port = Number(url.port || 22);
  const knownHostsFiles = [knownHostsFileOf(ssh), GLOBAL_KNOWN_HOSTS];
  const known = knownHostKeys(knownHostsFiles, host, port);
  let refusal: HostKeyRefusal | undefined;
  const hostVerifier = (key: Buffer): boolean => {
    const verdict = known.verdict(key);
    if (verdict !== "known") refusal = { verdict, fingerprint: fingerprintOf(key), knownHostsFiles };
    return verdict === "known";
  };
  const serverHostKey = known.keyTypes.flatMap((type) => HOST_KEY_ALGORITHMS[type] ?? []);
  const agent = process.env["SSH_AUTH_SOCK"] || undefined;
  const privateKey = ssh.identityFile !== undefined ? readIdentity(ssh.identityFile) : undefined;
  if (privateKey === undefined && agent === undefined) {
    throw new SocklabError(
      "ERR_SSH_AUTH",
      `no key to reach ${dockerHost} with: name an unencrypted private key as sshIdentityFile in the hosts file, or start an ssh agent with the key (SSH_AUTH_SOCK)`,
    );
  }
  return {
    docker: {
      protocol: "ssh",
      host,
      port,
      username: decodeURIComponent(url.username) || os.userInfo().username,
      sshOptions: {
        ...(privateKey !== undefined ? { privateKey } : { agent }),
        hostVerifier,
        readyTimeout: SSH_READY_TIMEOUT_MS,
        ...(serverHostKey.length > 0 ? { algorithms: { serverHostKey } } : {}),
      },
    } as Docker.DockerOptions,
    lastRefusal: () => refusal,
    credentials:
      ssh.identityFile !== undefined
        ? `the key in ${ssh.identityFile}`
        : `the agent at SSH_AUTH_SOCK (${agent})`,
  };
}

let quieted = false;

// docker-modem resolves each request's path against "ssh:host:port/", which Node flags (DEP0170) on
// a process's first ssh request; that URL never connects anything (the ssh agent does), so the
// warning says nothing to a user and would be the only line on a clean command's stderr.
function quietModemUrlWarning(): void {
  if (quieted) return;
  quieted = true;
  const emit = process.emitWarning.bind(process);
  process.emitWarning = (warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === "string" ? warning : warning.message;
    if (text.startsWith("The URL ssh:")) return;
    Reflect.apply(emit, process, [warning, ...rest]);
  };
}

function readIdentity(file: string): Buffer {
  let key: Buffer;
  try {
    key = readFileSync(file);
  } catch (error) {
    throw new SocklabError("ERR_HOSTS_FILE", `cannot read the ssh key ${file}`, { cause: error });
  }
  if (isEncrypted(key.toString("utf8"))) {
    throw new SocklabError(
      "ERR_SSH_AUTH",
      `the ssh key ${file} is encrypted: socklab asks for no passphrase; add the key to an ssh agent (ssh-add) and leave sshIdentityFile out`,
    );
  }
  return key;
}

// An OpenSSH key names its cipher after the magic "openssh-key-v1\0" (a 4-byte length, then the name);
// a PEM key says ENCRYPTED in its header.
function isEncrypted(pem: string): boolean {
  if (/ENCRYPTED/.test(pem)) return true;
  const body = /-----BEGIN OPENSSH PRIVATE KEY-----([\s\S]*?)-----END/.exec(pem)?.[1];
  if (body === undefined) return false;
  const bytes = Buffer.from(body.replace(/\s/g, ""), "base64");
  const magic = "openssh-key-v1\0";
  // A cut or mangled key is not called encrypted here: ssh2 then names what is wrong with it.
  if (bytes.length < magic.length + 4 || bytes.toString("latin1", 0, magic.length) !== magic) return false;
  const cipherLength = bytes.readUInt32BE(magic.length);
  const cipher = bytes.toString("latin1", magic.length + 4, magic.length + 4 + cipherLength);
  return cipher !== "none";
}

// A key blob starts with its type as an ssh string (a 4-byte length, then the name).
function fingerprintOf(key: Buffer): string {
  const type = key.subarray(4, 4 + key.readUInt32BE(0)).toString("latin1");
  const hash = createHash("sha256").update(key).digest("base64").replace(/=+$/, "");
  return `${type} SHA256:${hash}`;
}
