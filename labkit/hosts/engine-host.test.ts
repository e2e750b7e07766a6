import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import type { SocklabError } from "../../protocol/socklab-error.ts";
import { connectHost } from "./engine-host.ts";

const execFileAsync = promisify(execFile);

describe("connectHost", () => {
  it("pings an ssh:// engine before anything starts, naming the host when no ssh server answers", async () => {
    const saved = process.env["SSH_AUTH_SOCK"];
    process.env["SSH_AUTH_SOCK"] = "/nonexistent/socklab-agent.sock";
    try {
      // Port 1 of loopback: nothing listens there, so the connection is refused at once.
      const connecting = connectHost({
        name: "h2",
        dockerHost: "ssh://lab@127.0.0.1:1",
        advertiseAddress: "192.0.2.12",
      });
      const error = (await connecting.catch((caught: unknown) => caught)) as SocklabError;
      expect(error.code).toBe("ERR_ENGINE_UNREACHABLE");
      expect(error.message).toBe("host h2: no ssh server answers at ssh://lab@127.0.0.1:1 (ECONNREFUSED)");
    } finally {
      restore("SSH_AUTH_SOCK", saved);
    }
  });

  it("follows a docker context whose endpoint is ssh:// to the same ssh client", async () => {
    const saved = { config: process.env["DOCKER_CONFIG"], agent: process.env["SSH_AUTH_SOCK"] };
    const dir = await mkdtemp(path.join(os.tmpdir(), "socklab-ssh-context-"));
    process.env["DOCKER_CONFIG"] = dir;
    process.env["SSH_AUTH_SOCK"] = "/nonexistent/socklab-agent.sock";
    try {
      await execFileAsync("docker", [
        "context",
        "create",
        "by-ssh",
        "--docker",
        "host=ssh://lab@127.0.0.1:1",
      ]);
      const connecting = connectHost({ name: "h4", context: "by-ssh", advertiseAddress: "192.0.2.14" });
      const error = (await connecting.catch((caught: unknown) => caught)) as SocklabError;
      expect(error.code).toBe("ERR_ENGINE_UNREACHABLE");
      expect(error.message).toBe("host h4: no ssh server answers at ssh://lab@127.0.0.1:1 (ECONNREFUSED)");
    } finally {
      restore("DOCKER_CONFIG", saved.config);
      restore("SSH_AUTH_SOCK", saved.agent);
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("refuses an ssh:// URL with a socket path, which docker-modem cannot follow, naming the host", async () => {
    const connecting = connectHost({
      name: "h2",
      dockerHost: "ssh://lab@192.0.2.12/run/docker.sock",
      advertiseAddress: "192.0.2.12",
    });
    const error = (await connecting.catch((caught: unknown) => caught)) as SocklabError;
    expect(error.code).toBe("ERR_HOST_URL_UNSUPPORTED");
    expect(error.message).toMatch(
      /^host h2: socklab cannot reach ssh:\/\/lab@192\.0\.2\.12\/run\/docker\.sock .*SetEnv/,
    );
  });

  it("says which certificate file of a tcp+TLS engine it cannot read", async () => {
    const certPath = path.join(os.tmpdir(), "socklab-no-such-certs");
    const connecting = connectHost({
      name: "h3",
      dockerHost: "tcp://192.0.2.13:2376",
      tlsCertPath: certPath,
      advertiseAddress: "192.0.2.13",
    });
    await expect(connecting).rejects.toMatchObject({
      code: "ERR_HOSTS_FILE",
      message: `host h3: cannot read ca.pem for tcp://192.0.2.13:2376 in ${certPath} (it needs ca.pem, cert.pem and key.pem)`,
    });
  });

  it("gives the CLI its own DOCKER_HOST, without the caller's TLS variables, for a unix:// engine", async () => {
    const saved = { verify: process.env["DOCKER_TLS_VERIFY"], certs: process.env["DOCKER_CERT_PATH"] };
    process.env["DOCKER_TLS_VERIFY"] = "1";
    process.env["DOCKER_CERT_PATH"] = "/elsewhere";
    try {
      const host = await connectHost({
        name: "h1",
        dockerHost: "unix:///run/h1.sock",
        advertiseAddress: "192.0.2.11",
      });
      expect(host.cliEnv["DOCKER_HOST"]).toBe("unix:///run/h1.sock");
      expect(host.cliEnv["DOCKER_TLS_VERIFY"]).toBeUndefined();
      expect(host.cliEnv["DOCKER_CERT_PATH"]).toBeUndefined();
    } finally {
      restore("DOCKER_TLS_VERIFY", saved.verify);
      restore("DOCKER_CERT_PATH", saved.certs);
    }
  });
});

function restore(name: string, value: string | undefined): void {
  if (value === undefined) Reflect.deleteProperty(process.env, name);
  else process.env[name] = value;
}
