const V4_MAPPED_PREFIX = "::ffff:";

/** Shows a v4-mapped IPv6 address (how a dual-stack listener sees IPv4 peers) as plain IPv4. */
export function unmapAddress(address: string): string {
  const lower = address.toLowerCase();
  return lower.startsWith(V4_MAPPED_PREFIX) && lower.includes(".")
    ? address.slice(V4_MAPPED_PREFIX.length)
    : address;
}

/** `172.18.0.3:41234`, or `[fd00::3]:41234` for IPv6, as netstat and ss print endpoints. */
export function formatEndpoint(address: string | undefined, port: number | undefined): string {
  const host = unmapAddress(address ?? "?");
  return `${host.includes(":") ? `[${host}]` : host}:${port ?? "?"}`;
}
