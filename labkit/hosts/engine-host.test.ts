import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { connectHost } from "./engine-host.ts";

describe("connectHost", () => {
  it("refuses an ssh:// engine before anything is started, naming the host and what to do instead", async () => {
    const connecting = connectHost({
      name: "h2",
      dockerHost: "ssh://lab@192.0.2.12",
      advertiseAddress: "192.0.2.12",
    });
    const error = (await connecting.catch((caught: unknown) => caught)) as {
      code?: string;
      message?: string;
    };
    expect(error.code).toBe("ERR_HOST_URL_UNSUPPORTED");
    expect(error.message).toMatch(/^host h2: socklab cannot reach ssh:\/\/lab@192\.0\.2\.12 .*TLS endpoint/);
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

function restore(name: "DOCKER_TLS_VERIFY" | "DOCKER_CERT_PATH", value: string | undefined): void {
  if (value === undefined) Reflect.deleteProperty(process.env, name);
  else process.env[name] = value;
}
