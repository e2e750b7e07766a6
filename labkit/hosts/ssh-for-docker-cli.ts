import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { SocklabError } from "../../protocol/socklab-error.ts";
import { knownHostsFileOf, type EngineSsh } from "../docker/ssh-engine-options.ts";

const shimDirs = new Map<string, string>();

/**
 * A folder whose `ssh` runs OpenSSH with socklab's policy, to go first on the PATH of the docker CLI
 * and compose for an ssh:// host: they run `ssh ... docker system dial-stdio` and take no ssh options
 * of their own. Its ssh never prompts (BatchMode), checks the host key strictly against the same
 * known_hosts file as socklab's own client, and uses sshIdentityFile alone when one is named.
 * Removed when this process exits.
 */
export function sshForDockerCli(ssh: EngineSsh): string {
  const knownHosts = knownHostsFileOf(ssh);
  const key = JSON.stringify([knownHosts, ssh.identityFile]);
  const found = shimDirs.get(key);
  if (found) return found;
  const realSsh = findOnPath("ssh");
  const options = [
    "-o BatchMode=yes",
    "-o StrictHostKeyChecking=yes",
    `-o ${shellQuote(sshFileOption("UserKnownHostsFile", knownHosts))}`,
    ...(ssh.identityFile !== undefined
      ? [`-o ${shellQuote(sshFileOption("IdentityFile", ssh.identityFile))}`, "-o IdentitiesOnly=yes"]
      : []),
  ];
  const dir = mkdtempSync(path.join(os.tmpdir(), "socklab-ssh-"));
  process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(
    path.join(dir, "ssh"),
    `#!/bin/sh\n# socklab's ssh for the docker CLI: strict host keys, no prompt.\nexec ${shellQuote(realSsh)} ${options.join(" ")} "$@"\n`,
    { mode: 0o755 },
  );
  shimDirs.set(key, dir);
  return dir;
}

function findOnPath(command: string): string {
  const ours = new Set(shimDirs.values());
  for (const dir of (process.env["PATH"] ?? "").split(path.delimiter)) {
    if (dir === "" || ours.has(dir)) continue;
    const candidate = path.join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this folder
    }
  }
  throw new SocklabError(
    "ERR_HOST_URL_UNSUPPORTED",
    "the docker CLI reaches ssh:// engines through the ssh command, and there is none on PATH: install OpenSSH's client",
  );
}

// ssh reads -o values as its config file does: a path in double quotes keeps its spaces (else
// UserKnownHostsFile takes them as several files), and % starts a token unless doubled.
function sshFileOption(key: string, file: string): string {
  if (file.includes('"')) {
    throw new SocklabError(
      "ERR_HOSTS_FILE",
      `ssh cannot be given a file whose name has a double quote: ${file}`,
    );
  }
  return `${key}="${file.replace(/%/g, "%%")}"`;
}

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, "'\\''")}'`;
}
