import type Docker from "dockerode";
import { SocklabError } from "../../protocol/socklab-error.ts";
import { sshOptionsOfClient } from "./docker-client.ts";
import type { HostKeyRefusal } from "./ssh-engine-options.ts";

// Errors of the network itself, before ssh speaks: nothing answers at that address and port.
const UNREACHABLE_CODES = new Set(["ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "ETIMEDOUT"]);

/**
 * Pings an ssh:// engine once, so that a host key, a key or an engine that is not there fails
 * before anything starts, each with its code: ERR_SSH_HOST_KEY, ERR_SSH_AUTH, ERR_ENGINE_UNREACHABLE.
 */
export async function verifySshEngine(docker: Docker, dockerHost: string): Promise<void> {
  const options = sshOptionsOfClient(docker);
  try {
    await docker.ping();
  } catch (error) {
    const refusal = options?.lastRefusal();
    if (refusal)
      throw new SocklabError("ERR_SSH_HOST_KEY", hostKeyMessage(dockerHost, refusal), { cause: error });
    const { level, code } = error as { level?: string; code?: string };
    // ssh2 reads the key before it connects anywhere: a cut or mangled file fails here.
    if ((error as Error).message.startsWith("Cannot parse privateKey")) {
      throw new SocklabError(
        "ERR_SSH_AUTH",
        `socklab cannot use ${options?.credentials ?? "the ssh key"} for ${dockerHost}: ${(error as Error).message}; name an unencrypted OpenSSH or PEM private key as sshIdentityFile`,
        { cause: error },
      );
    }
    if (level === "client-authentication") {
      throw new SocklabError(
        "ERR_SSH_AUTH",
        `${dockerHost} refused every key socklab offered (${options?.credentials ?? "none"}): add the public key to that user's authorized_keys, or name the right one as sshIdentityFile in the hosts file`,
        { cause: error },
      );
    }
    if (level === "client-timeout" || (code !== undefined && UNREACHABLE_CODES.has(code))) {
      throw new SocklabError(
        "ERR_ENGINE_UNREACHABLE",
        `no ssh server answers at ${dockerHost} (${code ?? (error as Error).message})`,
        { cause: error },
      );
    }
    throw new SocklabError(
      "ERR_ENGINE_UNREACHABLE",
      `ssh to ${dockerHost} got no Docker engine through \`docker system dial-stdio\` (${(error as Error).message}): the remote user needs docker on its PATH and access to the engine (the docker group), and DOCKER_HOST set there when the engine is not at its default socket`,
      { cause: error },
    );
  }
}

function hostKeyMessage(dockerHost: string, refusal: HostKeyRefusal): string {
  const files = refusal.knownHostsFiles.join(" or ");
  const why = {
    unknown: `its host key (${refusal.fingerprint}) is in neither ${refusal.knownHostsFiles.join(" nor ")}`,
    changed: `its host key (${refusal.fingerprint}) is not the one ${files} lists for it: the host was reinstalled, or something is in between`,
    revoked: `its host key (${refusal.fingerprint}) is marked @revoked in ${files}`,
    known: "",
  }[refusal.verdict];
  return `socklab will not use ${dockerHost}: ${why}; compare the fingerprint with the host's own (ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub there), then add its key to known_hosts (or name another file as sshKnownHostsFile in the hosts file); socklab never accepts a host key it cannot check`;
}
