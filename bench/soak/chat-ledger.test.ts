import { describe, expect, it } from "vitest";
import { ChatLedger } from "./chat-ledger.ts";

// Two members: alice (member 0) sends, bob (member 1) receives.
function twoMembers(): ChatLedger {
  const ledger = new ChatLedger();
  ledger.opened("f0e0", 0, 0);
  ledger.opened("f1e0", 1, 0);
  return ledger;
}

describe("ChatLedger", () => {
  it("counts every acknowledged line delivered to a member who stayed connected", () => {
    const ledger = twoMembers();
    for (const seq of [1, 2, 3]) ledger.sent("f0e0", seq, seq * 1000);
    ledger.acknowledged("f0e0", 3);
    for (const seq of [1, 2, 3]) expect(ledger.received("f1e0", "f0e0", seq)).toBeUndefined();
    expect(ledger.judge()).toMatchObject({
      sent: 3,
      acknowledged: 3,
      expectedDeliveries: 3,
      delivered: 3,
      lost: 0,
    });
    expect(ledger.settled()).toBe(true);
  });

  it("finds an acknowledged line that a connected member never got", () => {
    const ledger = twoMembers();
    for (const seq of [1, 2, 3]) ledger.sent("f0e0", seq, seq * 1000);
    ledger.acknowledged("f0e0", 3);
    ledger.received("f1e0", "f0e0", 1);
    ledger.received("f1e0", "f0e0", 3);
    const judged = ledger.judge();
    expect(judged).toMatchObject({ expectedDeliveries: 3, delivered: 2, lost: 1 });
    expect(judged.firstProblems[0]).toMatch(/f1e0 is missing 1 of 3 acknowledged lines of f0e0/);
    expect(ledger.settled()).toBe(false);
  });

  it("asks nothing of lines that were never acknowledged", () => {
    const ledger = twoMembers();
    for (const seq of [1, 2, 3]) ledger.sent("f0e0", seq, seq * 1000);
    ledger.acknowledged("f0e0", 1);
    ledger.received("f1e0", "f0e0", 1);
    expect(ledger.judge()).toMatchObject({ sent: 3, acknowledged: 1, expectedDeliveries: 1, lost: 0 });
  });

  it("counts what a member that was cut off missed, without calling it lost", () => {
    const ledger = twoMembers();
    for (const seq of [1, 2, 3]) ledger.sent("f0e0", seq, seq * 1000);
    ledger.acknowledged("f0e0", 3);
    ledger.received("f1e0", "f0e0", 1);
    ledger.closed("f1e0", 2500, "connection reset");
    expect(ledger.isOpen("f1e0")).toBe(false);
    expect(ledger.judge()).toMatchObject({
      cutOffSessions: 1,
      missedWhileCutOff: 2,
      lost: 0,
      expectedDeliveries: 0,
    });
  });

  it("owes a member's new connection only the lines sent after it joined", () => {
    const ledger = twoMembers();
    ledger.sent("f0e0", 1, 1000);
    ledger.closed("f1e0", 1500, "reset");
    ledger.opened("f1e1", 1, 2000);
    ledger.sent("f0e0", 2, 3000);
    ledger.acknowledged("f0e0", 2);
    ledger.received("f1e1", "f0e0", 2);
    expect(ledger.judge()).toMatchObject({
      expectedDeliveries: 1,
      delivered: 1,
      lost: 0,
      missedWhileCutOff: 2,
    });
  });

  it("never owes a member its own lines, from any of its connections", () => {
    const ledger = new ChatLedger();
    ledger.opened("f0e0", 0, 0);
    ledger.closed("f0e0", 500, "reset");
    ledger.opened("f0e1", 0, 1000);
    ledger.sent("f0e1", 1, 2000);
    ledger.acknowledged("f0e1", 1);
    expect(ledger.judge()).toMatchObject({ expectedDeliveries: 0, lost: 0, missedWhileCutOff: 0 });
  });

  it("flags a line received out of order or twice", () => {
    const ledger = twoMembers();
    expect(ledger.received("f1e0", "f0e0", 2)).toBeUndefined();
    expect(ledger.received("f1e0", "f0e0", 1)).toMatch(/got line 1 of f0e0 after line 2/);
    expect(ledger.received("f1e0", "f0e0", 2)).toMatch(/got line 2 of f0e0 after line 2/);
    expect(ledger.judge().disorder).toBe(2);
  });

  it("ignores lines from nicks it does not know (visitors)", () => {
    const ledger = twoMembers();
    expect(ledger.received("f1e0", "visitor", 1)).toBeUndefined();
    expect(ledger.judge().disorder).toBe(0);
  });
});
