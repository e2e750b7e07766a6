import { InvalidArgumentError } from "commander";
import { describe, expect, it } from "vitest";
import { nonNegativeInt, portNumber, positiveInt } from "./parse-int-option.ts";

describe("option parsers", () => {
  it("take integers in range and name what was given otherwise", () => {
    expect(positiveInt("3")).toBe(3);
    expect(nonNegativeInt("0")).toBe(0);
    expect(() => positiveInt("0")).toThrow(new InvalidArgumentError("expected a positive integer, got 0"));
    expect(() => nonNegativeInt("-1")).toThrow(/expected an integer >= 0, got -1/);
    expect(() => positiveInt("1.5")).toThrow(/got 1\.5/);
  });

  it("take a port from 1 to 65535, and 0 only where any free port is allowed", () => {
    expect(portNumber("7")).toBe(7);
    expect(portNumber("65535")).toBe(65_535);
    expect(() => portNumber("0")).toThrow(/expected a port from 1 to 65535, got 0/);
    expect(portNumber("0", { allowAny: true })).toBe(0);
    expect(() => portNumber("65536", { allowAny: true })).toThrow(/from 0 to 65535, got 65536/);
    expect(() => portNumber("http")).toThrow(/got http/);
  });
});
