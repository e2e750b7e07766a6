import type { FaultDirection, FaultKind, FaultSpec, TcpFlag } from "./fault-spec.ts";

/** Every nftables table a fault creates is named with this prefix, so `list` and `clear` find them. */
export const FAULT_TABLE_PREFIX = "socklab_";
/** The handle of the root qdisc a fault adds (0x5ac, "sock"), so that only socklab's is removed. */
export const FAULT_QDISC_HANDLE = "5ac:";
/** The lab's containers each have one interface on the lab network. */
export const FAULT_DEVICE = "eth0";

export interface FaultScript {
  /** Shell run by the helper to put the fault in force; fails as a whole. */
  apply: string;
  /** Shell run by the helper to take it away again; harmless if there is nothing to remove. */
  remove: string;
  /** What `list` shows: `loss 30% in, port 7`. */
  description: string;
  /** The kernel feature the fault needs, named when it is missing. */
  needs: string;
}

export interface FaultScriptContext {
  /** Unique per fault: names its nftables table. */
  id: string;
  /** The IPv4 addresses of `spec.peer`, when it is given. */
  peerAddresses: readonly string[];
}

/** What each kind needs from the kernel: named in the error when the kernel lacks it. */
export const KERNEL_FEATURE_BY_KIND: Readonly<Record<FaultKind, string>> = {
  loss: "nftables on the netdev ingress/egress hooks, with numgen (nf_tables, CONFIG_NETFILTER_EGRESS)",
  blackhole: "nftables on the netdev ingress/egress hooks (nf_tables, CONFIG_NETFILTER_EGRESS)",
  reset:
    "nftables reject with tcp reset on the input hook (nft_reject_inet), and quota sets for --after-bytes",
  drop: "nftables on the netdev ingress/egress hooks (nf_tables, CONFIG_NETFILTER_EGRESS)",
  partition: "nftables on the netdev ingress/egress hooks (nf_tables, CONFIG_NETFILTER_EGRESS)",
  bandwidth: "the tbf queueing discipline (sch_tbf)",
  delay: "the netem queueing discipline (sch_netem)",
  duplicate: "the netem queueing discipline (sch_netem)",
  reorder: "the netem queueing discipline (sch_netem)",
};

// nft's own words for each flag: `tcp flags & (syn | ack) == syn` is a SYN that is not a SYN-ACK.
const NFT_MATCH_BY_FLAG: Readonly<Record<TcpFlag, string>> = {
  syn: "tcp flags & (syn | ack) == syn",
  "syn-ack": "tcp flags & (syn | ack) == syn | ack",
  fin: "tcp flags & fin == fin",
  rst: "tcp flags & rst == rst",
};

const HOOK_BY_DIRECTION: Readonly<Record<"in" | "out", string>> = { in: "ingress", out: "egress" };

type Builder<K extends FaultKind> = (
  spec: Extract<FaultSpec, { kind: K }>,
  context: FaultScriptContext,
) => FaultScript;

const BUILDERS: { [K in FaultKind]: Builder<K> } = {
  loss: (spec, context) =>
    netdevFault(
      spec,
      context,
      spec.direction ?? "both",
      [`numgen random mod 100 < ${spec.percent} drop`],
      `loss ${spec.percent}%`,
    ),
  blackhole: (spec, context) => netdevFault(spec, context, spec.direction ?? "both", ["drop"], "blackhole"),
  drop: (spec, context) =>
    netdevFault(
      spec,
      context,
      spec.direction ?? "in",
      spec.flags.map((flag) => `${NFT_MATCH_BY_FLAG[flag]} drop`),
      `drop ${spec.flags.join(",")}`,
    ),
  partition: (spec, context) => netdevFault(spec, context, "both", ["drop"], "partition"),
  reset: resetFault,
  bandwidth: (spec) => {
    // tbf needs a bucket of at least one full-size (GSO) packet, and about 20 ms of the rate.
    const burstBytes = Math.max(64 * 1024, Math.round((spec.rateKbitPerSecond * 1000) / 8 / 50));
    return qdiscFault(
      spec,
      `tbf rate ${spec.rateKbitPerSecond}kbit burst ${burstBytes} latency 400ms`,
      `bandwidth ${spec.rateKbitPerSecond} kbit/s out`,
    );
  },
  delay: (spec) =>
    qdiscFault(
      spec,
      `netem delay ${spec.delayMs}ms${spec.jitterMs ? ` ${spec.jitterMs}ms` : ""}`,
      `delay ${spec.delayMs} ms${spec.jitterMs ? ` ± ${spec.jitterMs} ms` : ""} out`,
    ),
  duplicate: (spec) => qdiscFault(spec, `netem duplicate ${spec.percent}%`, `duplicate ${spec.percent}% out`),
  reorder: (spec) =>
    qdiscFault(
      spec,
      `netem delay ${spec.delayMs}ms reorder ${spec.percent}%`,
      `reorder ${spec.percent}% out`,
    ),
};

/** The shell that applies and removes `spec` in the target's network namespace. */
export function buildFaultScript(spec: FaultSpec, context: FaultScriptContext): FaultScript {
  return (BUILDERS[spec.kind] as Builder<FaultKind>)(spec, context);
}

function tableName(context: FaultScriptContext): string {
  return `${FAULT_TABLE_PREFIX}${context.id}`;
}

/** `, port 7, with workbench`: the scope part of a description. */
function describeScope(spec: FaultSpec): string {
  const port = spec.port === undefined ? "" : `, port ${spec.port}`;
  const peer = spec.peer === undefined ? "" : `, with ${spec.peer}`;
  return `${port}${peer}`;
}

// Rules that let through what the fault is not about, then send the rest to the fault's own chain.
// The two port rules go (not jump) there, so that a packet is judged once; nft would merge
// `th sport != P th dport != P` into one 32-bit test that means something else.
function scopeRules(
  spec: FaultSpec,
  context: FaultScriptContext,
  direction: "in" | "out",
  faultChain: string,
): string[] {
  const rules = ["meta protocol != { ip, ip6 } return"];
  if (spec.peer !== undefined) {
    const field = direction === "in" ? "saddr" : "daddr";
    rules.push("meta protocol != ip return", `ip ${field} != { ${context.peerAddresses.join(", ")} } return`);
  }
  if (spec.port === undefined) return [...rules, `goto ${faultChain}`];
  return [
    ...rules,
    `meta l4proto { tcp, udp } th sport ${spec.port} goto ${faultChain}`,
    `meta l4proto { tcp, udp } th dport ${spec.port} goto ${faultChain}`,
  ];
}

function chain(name: string, hook: string | undefined, rules: readonly string[]): string {
  const base = hook === undefined ? [] : [`    ${hook}`];
  return [`  chain ${name} {`, ...base, ...rules.map((rule) => `    ${rule}`), "  }"].join("\n");
}

// netdev ingress and egress sit next to the wire: a packet dropped there is lost as on a cable,
// where a drop in the output hook would tell the sending socket at once (research §2.5).
function netdevFault(
  spec: FaultSpec,
  context: FaultScriptContext,
  direction: FaultDirection,
  actions: readonly string[],
  what: string,
): FaultScript {
  const name = tableName(context);
  const directions: ("in" | "out")[] = direction === "both" ? ["in", "out"] : [direction];
  const description = `${what} ${direction}${describeScope(spec)}`;
  const chains = directions.flatMap((d) => [
    chain(
      d,
      `type filter hook ${HOOK_BY_DIRECTION[d]} device "${FAULT_DEVICE}" priority -500; policy accept;`,
      scopeRules(spec, context, d, `fault_${d}`),
    ),
    chain(`fault_${d}`, undefined, actions),
  ]);
  return nftFault(
    spec.kind,
    `table netdev ${name} {\n  comment "${description}"\n${chains.join("\n")}\n}`,
    `netdev ${name}`,
    description,
  );
}

// The reset is forged in the target's own namespace, on its input hook: the client gets an RST
// as if from the service, while the service's socket sees nothing and keeps its state.
function resetFault(spec: Extract<FaultSpec, { kind: "reset" }>, context: FaultScriptContext): FaultScript {
  const name = tableName(context);
  const reject = "reject with tcp reset";
  const action =
    spec.afterBytes !== undefined
      ? `update @flows { ip saddr . tcp sport quota over ${spec.afterBytes} bytes } ${reject}`
      : spec.newOnly
        ? `${NFT_MATCH_BY_FLAG.syn} ${reject}`
        : reject;
  const what =
    spec.afterBytes !== undefined
      ? `reset after ${spec.afterBytes} bytes`
      : spec.newOnly
        ? "reset new connections"
        : "reset";
  const description = `${what} in${describeScope(spec)}`;
  // Loopback (each service's own healthcheck) is never reset.
  const rules = [
    'iifname "lo" return',
    "meta l4proto != tcp return",
    ...scopeRules(spec, context, "in", "fault_in").slice(1),
  ];
  const flows =
    spec.afterBytes !== undefined
      ? ["  set flows {", "    type ipv4_addr . inet_service; flags dynamic; timeout 1h;", "  }"]
      : [];
  const table = [
    `table inet ${name} {`,
    `  comment "${description}"`,
    ...flows,
    chain("in", "type filter hook input priority -500; policy accept;", rules),
    chain("fault_in", undefined, [action]),
    "}",
  ].join("\n");
  return nftFault(spec.kind, table, `inet ${name}`, description);
}

function nftFault(kind: FaultKind, ruleset: string, table: string, description: string): FaultScript {
  return {
    apply: `nft -f - <<'RULES'\n${ruleset}\nRULES`,
    remove: `nft list table ${table} >/dev/null 2>&1 && nft delete table ${table}; true`,
    description,
    needs: KERNEL_FEATURE_BY_KIND[kind],
  };
}

function qdiscFault(spec: FaultSpec, qdisc: string, description: string): FaultScript {
  return {
    apply: `tc qdisc add dev ${FAULT_DEVICE} root handle ${FAULT_QDISC_HANDLE} ${qdisc}`,
    remove: `tc qdisc del dev ${FAULT_DEVICE} root handle ${FAULT_QDISC_HANDLE} 2>/dev/null; true`,
    description: `${description}${describeScope(spec)}`,
    needs: KERNEL_FEATURE_BY_KIND[spec.kind],
  };
}
