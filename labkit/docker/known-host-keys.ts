import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";

/** What known_hosts files say of the key a server showed: as OpenSSH's StrictHostKeyChecking=yes reads them. */
export type HostKeyVerdict = "known" | "unknown" | "changed" | "revoked";

/** The keys known_hosts files list for one host, and what they say of one key. */
export interface KnownHostKeys {
  /** Key types listed for the host (`ssh-ed25519`, `ssh-rsa`, ...), so the client asks for those. */
  readonly keyTypes: readonly string[];
  verdict(key: Buffer): HostKeyVerdict;
}

interface KnownHostLine {
  marker: string | undefined;
  patterns: string;
  keyType: string;
  keyBase64: string;
}

/**
 * Reads the known_hosts files (missing ones count as empty) for `host` at `port`: a port other than
 * 22 is written `[host]:port` there. Hashed names (`|1|salt|hash`), wildcards, negations and
 * `@revoked` are honoured; `@cert-authority` lines are not (socklab checks plain host keys only).
 */
export function knownHostKeys(files: readonly string[], host: string, port: number): KnownHostKeys {
  const name = port === 22 ? host.toLowerCase() : `[${host.toLowerCase()}]:${port}`;
  const lines = files.flatMap(readKnownHostLines).filter((line) => hostMatches(line.patterns, name));
  const plain = lines.filter((line) => line.marker === undefined);
  return {
    keyTypes: [...new Set(plain.map((line) => line.keyType))],
    verdict(key) {
      const shown = key.toString("base64");
      if (lines.some((line) => line.marker === "@revoked" && line.keyBase64 === shown)) return "revoked";
      if (plain.some((line) => line.keyBase64 === shown)) return "known";
      return plain.length > 0 ? "changed" : "unknown";
    },
  };
}

function readKnownHostLines(file: string): KnownHostLine[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return [];
  }
  return text.split("\n").flatMap((raw): KnownHostLine[] => {
    const fields = raw.trim().split(/\s+/);
    if (fields[0] === undefined || fields[0] === "" || fields[0].startsWith("#")) return [];
    const marker = fields[0].startsWith("@") ? fields.shift() : undefined;
    const [patterns, keyType, keyBase64] = fields;
    if (!patterns || !keyType || !keyBase64) return [];
    return [{ marker, patterns, keyType, keyBase64 }];
  });
}

// A negated pattern that matches rules the line out, whatever else matches (sshd(8), known_hosts).
function hostMatches(patterns: string, name: string): boolean {
  if (patterns.startsWith("|1|")) return hashedMatches(patterns, name);
  let matched = false;
  for (const pattern of patterns.toLowerCase().split(",")) {
    if (pattern.startsWith("!")) {
      if (wildcardMatches(pattern.slice(1), name)) return false;
    } else if (wildcardMatches(pattern, name)) matched = true;
  }
  return matched;
}

// |1|base64(salt)|base64(HMAC-SHA1(salt, name)): what HashKnownHosts=yes writes.
function hashedMatches(field: string, name: string): boolean {
  const [, , salt, hash] = field.split("|");
  if (!salt || !hash) return false;
  return createHmac("sha1", Buffer.from(salt, "base64")).update(name).digest("base64") === hash;
}

function wildcardMatches(pattern: string, name: string): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${source}$`).test(name);
}
