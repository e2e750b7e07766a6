import { CHAT_LIMITS } from "../../protocol/chat/chat-limits.ts";
import { unmapAddress } from "../../protocol/format-endpoint.ts";

/**
 * The host part of a `nick!user@host` prefix: the peer's address, IPv4 unmapped. One that starts
 * with ":" (`::1`) gets a leading 0, as ircds do, or it would read as the start of a trailing parameter.
 */
export function formatIrcHost(address: string | undefined): string {
  const host = unmapAddress(address ?? "unknown").slice(0, CHAT_LIMITS.maxHostLength - 1);
  return host.startsWith(":") ? `0${host}` : host;
}
