import { describe, expect, it } from "vitest";
import { ABSENT, contentKey, FileLedger } from "./file-ledger.ts";

const A = contentKey(10, "aa");
const B = contentKey(20, "bb");

describe("FileLedger", () => {
  it("accepts a read of the acknowledged content and finds one of anything else", () => {
    const ledger = new FileLedger();
    ledger.putStarted("x", A);
    ledger.putAcknowledged("x", A);
    expect(ledger.read("x", A)).toBeUndefined();
    expect(ledger.read("x", B)).toMatch(/read x: got 20:bb, expected one of 10:aa/);
    expect(ledger.read("x", ABSENT)).toMatch(/got absent/);
    expect(ledger.judge()).toMatchObject({ putsAcknowledged: 1, reads: 3, lost: 2 });
  });

  it("after a put given up unacknowledged, takes either the old content or the new", () => {
    const ledger = new FileLedger();
    ledger.putStarted("x", A);
    ledger.putAcknowledged("x", A);
    ledger.putStarted("x", B);
    ledger.putUncertain("x", B);
    expect(ledger.read("x", A)).toBeUndefined();
    expect(ledger.read("x", B)).toBeUndefined();
    expect([...ledger.possible("x")].sort()).toEqual([A, B].sort());
    ledger.putAcknowledged("x", B);
    expect(ledger.read("x", A)).toMatch(/expected one of 20:bb/);
  });

  it("after an acknowledged delete, only absence; after an uncertain one, either", () => {
    const ledger = new FileLedger();
    ledger.putStarted("x", A);
    ledger.putAcknowledged("x", A);
    ledger.deleteUncertain("x");
    expect(ledger.read("x", A)).toBeUndefined();
    expect(ledger.read("x", ABSENT)).toBeUndefined();
    ledger.deleteAcknowledged("x");
    expect(ledger.read("x", A)).toBeDefined();
    expect(ledger.judge()).toMatchObject({ deletesAcknowledged: 1, lost: 1 });
  });

  it("finds a listed size or hash that no put sent whole: a partly written file", () => {
    const ledger = new FileLedger();
    ledger.putStarted("x", A);
    ledger.putStarted("y", B);
    expect(ledger.listed([{ name: "x", size: 10, sha256: "aa" }])).toEqual([]);
    expect(ledger.listed([{ name: "y", size: 7, sha256: "cc" }])[0]).toMatch(/listed y with 7 bytes/);
    expect(ledger.listed([{ name: "x", size: 10 }])).toEqual([]);
    expect(ledger.listed([{ name: "x", size: 3 }])).toHaveLength(1);
    expect(ledger.judge()).toMatchObject({ listings: 4, partlyVisible: 2 });
  });

  it("ignores names that are not its own", () => {
    const ledger = new FileLedger();
    expect(ledger.listed([{ name: "someone-else.bin", size: 1, sha256: "zz" }])).toEqual([]);
    expect(ledger.names).toEqual([]);
  });
});
