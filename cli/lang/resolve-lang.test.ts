import { describe, expect, it } from "vitest";
import { parseLang, resolveLang } from "./resolve-lang.ts";

describe("resolveLang", () => {
  it("takes --lang over the locale", () => {
    expect(resolveLang("en", { LANG: "zh_CN.UTF-8" })).toBe("en");
    expect(resolveLang("zh", { LANG: "en_US.UTF-8" })).toBe("zh");
  });

  it("speaks Chinese for a locale that starts with zh, LC_ALL before LANG", () => {
    expect(resolveLang(undefined, { LANG: "zh_CN.UTF-8" })).toBe("zh");
    expect(resolveLang(undefined, { LC_ALL: "zh_TW.UTF-8", LANG: "en_US.UTF-8" })).toBe("zh");
    expect(resolveLang(undefined, { LC_ALL: "C", LANG: "zh_CN.UTF-8" })).toBe("en");
  });

  it("speaks English with no locale, or an empty LC_ALL", () => {
    expect(resolveLang(undefined, {})).toBe("en");
    expect(resolveLang(undefined, { LC_ALL: "", LANG: "zh_CN.UTF-8" })).toBe("zh");
  });

  it("refuses a language it does not have, naming those it has", () => {
    expect(() => parseLang("fr")).toThrow("expected one of en, zh, got fr");
    expect(parseLang("ZH")).toBe("zh");
  });
});
