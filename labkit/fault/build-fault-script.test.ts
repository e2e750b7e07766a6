import { describe, expect, it } from "vitest";
import { buildFaultScript, KERNEL_FEATURE_BY_KIND } from "./build-fault-script.ts";
import type { FaultSpec } from "./fault-spec.ts";

const context = { id: "1a2b3c4d", peerAddresses: ["172.18.0.5"] };

describe("buildFaultScript", () => {
  it("drops at random on the netdev hooks of both directions, scoped to a port by two gotos", () => {
    const script = buildFaultScript({ kind: "loss", service: "tcp-echo", percent: 30, port: 7 }, context);
    expect(script.description).toBe("loss 30% both, port 7");
    expect(script.apply).toContain('type filter hook ingress device "eth0" priority -500');
    expect(script.apply).toContain('type filter hook egress device "eth0" priority -500');
    expect(script.apply).toContain("meta l4proto { tcp, udp } th sport 7 goto fault_in");
    expect(script.apply).toContain("meta l4proto { tcp, udp } th dport 7 goto fault_out");
    expect(script.apply).toContain("numgen random mod 100 < 30 drop");
    // Never the merged form, which nft would read as "not both ports 7".
    expect(script.apply).not.toMatch(/th sport != \d+ th dport !=/);
    expect(script.remove).toContain("nft delete table netdev socklab_1a2b3c4d");
  });

  it("takes one direction only when asked", () => {
    const script = buildFaultScript(
      { kind: "drop", service: "tcp-echo", flags: ["fin"], direction: "out" },
      context,
    );
    expect(script.apply).toContain("hook egress");
    expect(script.apply).not.toContain("hook ingress");
    expect(script.apply).toContain("tcp flags & fin == fin drop");
  });

  it("partitions on the peer's addresses, source on the way in and destination on the way out", () => {
    const script = buildFaultScript({ kind: "partition", service: "chat", peer: "workbench" }, context);
    expect(script.description).toBe("partition both, with workbench");
    expect(script.apply).toContain("ip saddr != { 172.18.0.5 } return");
    expect(script.apply).toContain("ip daddr != { 172.18.0.5 } return");
  });

  it("resets on the inet input hook, never on loopback, after a per-flow quota when asked", () => {
    const script = buildFaultScript({ kind: "reset", service: "tcp-echo", afterBytes: 1000 }, context);
    expect(script.description).toBe("reset after 1000 bytes in");
    expect(script.apply).toContain("table inet socklab_1a2b3c4d");
    expect(script.apply).toContain('iifname "lo" return');
    expect(script.apply).toContain(
      "update @flows { ip saddr . tcp sport quota over 1000 bytes } reject with tcp reset",
    );
  });

  it.each<[FaultSpec, string]>([
    [
      { kind: "bandwidth", service: "x", rateKbitPerSecond: 8000 },
      "tbf rate 8000kbit burst 65536 latency 400ms",
    ],
    [{ kind: "delay", service: "x", delayMs: 100, jitterMs: 10 }, "netem delay 100ms 10ms"],
    [{ kind: "duplicate", service: "x", percent: 5 }, "netem duplicate 5%"],
    [{ kind: "reorder", service: "x", percent: 25, delayMs: 10 }, "netem delay 10ms reorder 25%"],
  ])("puts %j in socklab's root qdisc", (spec, qdisc) => {
    const script = buildFaultScript(spec, context);
    expect(script.apply).toBe(`tc qdisc add dev eth0 root handle 5ac: ${qdisc}`);
    expect(script.needs).toBe(KERNEL_FEATURE_BY_KIND[spec.kind]);
  });
});
