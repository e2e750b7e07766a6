/**
 * The key under which nicks and rooms are compared: ASCII lowercase (CASEMAPPING=ascii). Names are
 * ASCII only, so `Alice`, `ALICE` and `alice` are one nick and `#Lab` is `#lab`.
 */
export function foldCase(name: string): string {
  return name.toLowerCase();
}
