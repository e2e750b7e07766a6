/** `150 ms`, `9999 ms`, `60 s`: whole seconds once it is long enough for them to be exact enough. */
export function formatDuration(ms: number): string {
  return ms < 10_000 ? `${Math.round(ms)} ms` : `${Math.round(ms / 1_000)} s`;
}
