import { describe, expect, it } from "vitest";
import { parseSs } from "./parse-ss.ts";
import {
  onlyEntry,
  readFixtureEntries,
  readSocketFixture,
  type FixtureSide,
} from "./testing/read-socket-fixture.ts";
import { socketKey } from "./socket-key.ts";

function sortedKeys(entries: readonly Parameters<typeof socketKey>[0][]): string[] {
  return entries.map(socketKey).sort();
}

describe("socketKey", () => {
  it.each<FixtureSide>(["server", "client"])(
    "gives /proc and ss the same TCP keys in the %s capture",
    (side) => {
      const proc = readFixtureEntries(side, ["tcp", "tcp6"]);
      const ss = parseSs(readSocketFixture(side, "ss-tan.txt"), "tcp");
      expect(sortedKeys(ss)).toEqual(sortedKeys(proc));
    },
  );

  it.each<FixtureSide>(["server", "client"])(
    "gives /proc and ss the same UDP keys in the %s capture",
    (side) => {
      const proc = readFixtureEntries(side, ["udp", "udp6"]);
      const ss = parseSs(readSocketFixture(side, "ss-uan.txt"), "udp");
      expect(sortedKeys(ss)).toEqual(sortedKeys(proc));
    },
  );

  it("writes protocol, endpoints and state, v4-mapped as IPv4 and IPv6 in brackets", () => {
    const server = readFixtureEntries("server");
    expect(socketKey(onlyEntry(server, { remotePort: 41001 }))).toBe(
      "tcp 10.99.0.3:7 10.99.0.2:41001 ESTABLISHED",
    );
    expect(socketKey(onlyEntry(server, { remotePort: 41003 }))).toBe(
      "tcp [fd00:99::3]:7 [fd00:99::2]:41003 ESTABLISHED",
    );
    expect(socketKey(onlyEntry(server, { protocol: "udp", family: 6 }))).toBe("udp [::]:7 [::]:0 UNCONN");
  });
});
