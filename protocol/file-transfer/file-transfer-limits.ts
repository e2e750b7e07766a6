/** The protocol's fixed limits; docs/protocols/file-transfer.md states the same numbers. */
export const FILE_TRANSFER_LIMITS = {
  /** Bytes in the length prefix that starts every frame (unsigned, big-endian). */
  lengthPrefixBytes: 4,
  /**
   * Largest JSON header either side accepts, counted in UTF-8 bytes after the length prefix. 2^16 - 1,
   * not 2^16: then every little-endian prefix of a 1..65535-byte header reads above it and is refused.
   */
  maxHeaderBytes: 65_535,
  /** Longest file name in UTF-8 bytes: what ext4, xfs and btrfs allow for one path component. */
  maxNameBytes: 255,
  /** Longest string request id, in UTF-8 bytes. */
  maxIdBytes: 128,
  /** Most entries one list reply carries; the client asks again with `after` for the rest. */
  maxListEntries: 1_000,
  /** Names the server keeps for itself: its partial uploads and metadata live under `.socklab/`. */
  reservedNames: [".socklab"],
} as const;
