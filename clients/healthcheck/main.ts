// The containers' healthcheck: one exchange in the service's own protocol, on its own port.
// Usage: node clients/healthcheck/main.ts tcp|udp|file-transfer|chat PORT [HOST]
import { randomBytes } from "node:crypto";
import { SocklabError } from "../../protocol/socklab-error.ts";

const PROBE_TIMEOUT_MS = 2_000;

type Probe = (host: string, port: number) => Promise<void>;

// Each probe loads only its own client: a check runs every few seconds in every container.
const PROBES: Record<string, Probe> = {
  tcp: async (host, port) => {
    const { tcpEcho } = await import("../echo/tcp-echo-client.ts");
    const token = randomBytes(16);
    expectEcho(token, await tcpEcho({ host, port, data: token, timeoutMs: PROBE_TIMEOUT_MS }));
  },
  udp: async (host, port) => {
    const { udpEcho } = await import("../echo/udp-echo-client.ts");
    const token = randomBytes(16);
    expectEcho(token, await udpEcho({ host, port, payload: token, timeoutMs: PROBE_TIMEOUT_MS }));
  },
  "file-transfer": async (host, port) => {
    const { connectFileTransfer } = await import("../file-transfer/file-transfer-client.ts");
    await using client = await connectFileTransfer({ host, port, connectTimeoutMs: PROBE_TIMEOUT_MS });
    await client.list();
  },
  chat: async (host, port) => {
    const { probeChat } = await import("../chat/probe-chat.ts");
    await probeChat({ host, port, timeoutMs: PROBE_TIMEOUT_MS });
  },
};

function expectEcho(sent: Buffer, reply: Buffer): void {
  if (!reply.equals(sent))
    throw new SocklabError(
      "ERR_ECHO_MISMATCH",
      `echoed ${reply.length} bytes that differ from the ${sent.length} sent`,
    );
}

const [protocol = "", portText = "", host = "127.0.0.1"] = process.argv.slice(2);
const probe = PROBES[protocol];
const port = Number(portText);
if (!probe || !Number.isInteger(port)) {
  process.stderr.write(`usage: healthcheck ${Object.keys(PROBES).join("|")} PORT [HOST]\n`);
  process.exit(2);
}
try {
  await probe(host, port);
} catch (error) {
  process.stderr.write(`unhealthy: ${protocol} on ${host}:${port}: ${(error as Error).message}\n`);
  process.exit(1);
}
