/**
 * A service's log line about a connection from its own container's loopback: the healthcheck,
 * which runs there every 10 s. Lines that are not JSON, or name no peer, are never taken for one.
 */
export function isHealthcheckLine(line: string): boolean {
  if (!line.startsWith("{")) return false;
  try {
    const { peer } = JSON.parse(line) as { peer?: unknown };
    return typeof peer === "string" && /^(127\.|\[::1\]|\[::ffff:127\.)/.test(peer);
  } catch {
    return false;
  }
}
