import { describe, expect, it } from "vitest";
import { parseClearRequest, parseFaultRequest, parseJsonBody } from "./parse-page-request.ts";
import { WEB_LIMITS } from "./web-limits.ts";

const pageId = "0123456789abcdef";

describe("the page's requests", () => {
  it("copies a fault's fields by type and bounds its seconds by the page's limit", () => {
    const { spec } = parseFaultRequest({
      pageId,
      spec: { kind: "loss", service: "tcp-echo", percent: 30, port: 7, seconds: 99_999, extra: "dropped" },
    });
    expect(spec).toEqual({
      kind: "loss",
      service: "tcp-echo",
      percent: 30,
      port: 7,
      seconds: WEB_LIMITS.pageFaultMaxSeconds,
    });
  });

  it("gives a fault without seconds the page's limit", () => {
    const { spec } = parseFaultRequest({ pageId, spec: { kind: "blackhole", service: "chat" } });
    expect(spec.seconds).toBe(WEB_LIMITS.pageFaultMaxSeconds);
  });

  it("refuses unknown kinds, wrong types, bad flags and a pageId it did not give", () => {
    const cases: unknown[] = [
      { pageId, spec: { kind: "meltdown", service: "chat" } },
      { pageId, spec: { kind: "loss", service: "chat", percent: "30" } },
      { pageId, spec: { kind: "drop", service: "chat", flags: ["urg"] } },
      { pageId: "../../etc", spec: { kind: "blackhole", service: "chat" } },
      { pageId, spec: null },
    ];
    for (const body of cases)
      expect(() => parseFaultRequest(body as Record<string, unknown>), JSON.stringify(body)).toThrow(
        expect.objectContaining({ code: "ERR_WEB_BAD_REQUEST" }),
      );
  });

  it("refuses a body that is not a JSON object", () => {
    for (const text of ["not json", "[1]", "null", "3"])
      expect(() => parseJsonBody(text)).toThrow(expect.objectContaining({ code: "ERR_WEB_BAD_REQUEST" }));
  });

  it("reads a clear request with or without a service", () => {
    expect(parseClearRequest({ pageId })).toEqual({ pageId });
    expect(parseClearRequest({ pageId, service: "chat" })).toEqual({ pageId, service: "chat" });
    expect(() => parseClearRequest({ pageId, service: 3 })).toThrow();
  });
});
