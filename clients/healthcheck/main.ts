// The containers' healthcheck: one echo round trip over the service's own protocol.
// Usage: node clients/healthcheck/main.ts tcp|udp PORT [HOST]
import { randomBytes } from "node:crypto";
import { tcpEcho } from "../echo/tcp-echo-client.ts";
import { udpEcho } from "../echo/udp-echo-client.ts";

const PROBE_TIMEOUT_MS = 2_000;
const PROBES = {
  tcp: (host: string, port: number, token: Buffer) =>
    tcpEcho({ host, port, data: token, timeoutMs: PROBE_TIMEOUT_MS }),
  udp: (host: string, port: number, token: Buffer) =>
    udpEcho({ host, port, payload: token, timeoutMs: PROBE_TIMEOUT_MS }),
} as const;

const [transport = "", portText = "", host = "127.0.0.1"] = process.argv.slice(2);
const probe = PROBES[transport as keyof typeof PROBES] as (typeof PROBES)["tcp"] | undefined;
const port = Number(portText);
if (!probe || !Number.isInteger(port)) {
  process.stderr.write("usage: healthcheck tcp|udp PORT [HOST]\n");
  process.exit(2);
}
const token = randomBytes(16);
try {
  const reply = await probe(host, port, token);
  if (!reply.equals(token))
    throw new Error(`echoed ${reply.length} bytes that differ from the ${token.length} sent`);
} catch (error) {
  process.stderr.write(`unhealthy: ${transport} echo on ${host}:${port}: ${(error as Error).message}\n`);
  process.exit(1);
}
