import { describe, expect, it } from "vitest";
import { refusalOf } from "./check-request-origin.ts";

const policy = { port: 7080, allowedHostNames: ["teacher.local"] };
const get = (host: string | undefined, origin?: string) => refusalOf({ method: "GET", host, origin }, policy);
const post = (host: string, origin?: string) => refusalOf({ method: "POST", host, origin }, policy);

describe("refusalOf", () => {
  it("serves the page by loopback names and IP literals on its own port", () => {
    for (const host of [
      "127.0.0.1:7080",
      "localhost:7080",
      "[::1]:7080",
      "192.168.1.20:7080",
      "[fd00::5]:7080",
    ])
      expect(get(host), host).toBeUndefined();
  });

  it("refuses a host name it was not told, as a DNS-rebinding page would send", () => {
    expect(get("attacker.example:7080")).toMatch(/Host attacker.example:7080 is not this server's/);
    expect(get("localhost.attacker.example:7080")).toBeDefined();
  });

  it("accepts a host name given with --allow-host, on its own port only", () => {
    expect(get("teacher.local:7080")).toBeUndefined();
    expect(get("teacher.local:80")).toBeDefined();
    expect(get("teacher.local")).toBeDefined();
  });

  it("refuses a request without a Host header", () => {
    expect(get(undefined)).toBe("no Host header");
  });

  it("refuses a POST from another origin, and one without an Origin", () => {
    expect(post("127.0.0.1:7080", "http://127.0.0.1:7080")).toBeUndefined();
    expect(post("127.0.0.1:7080", "http://evil.example")).toMatch(/Origin http:\/\/evil.example/);
    expect(post("127.0.0.1:7080", "http://localhost:7080")).toBeDefined();
    expect(post("127.0.0.1:7080")).toMatch(/without an Origin/);
  });

  it("refuses the event stream to a page of another origin", () => {
    expect(get("127.0.0.1:7080", "http://evil.example:7080")).toBeDefined();
    expect(get("127.0.0.1:7080", "null")).toBeDefined();
  });
});
