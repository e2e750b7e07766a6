/** One fault as the kernel holds it in a namespace. */
export interface KernelFault {
  mechanism: "nftables" | "tc";
  /** `netdev socklab_1a2b3c4d` (family and table) or `tbf 5ac:` (qdisc and handle). */
  name: string;
  /** The table's comment (`loss 30% both, port 7`), or the qdisc as tc prints it. */
  description: string;
}

/**
 * Parses what READ_FAULTS_SCRIPT prints: `nft <family> <table> <comment>` for each of socklab's
 * tables, and `tc qdisc <kind> <handle> root refcnt N <parameters>` for socklab's root qdisc.
 */
export function parseFaultState(text: string): KernelFault[] {
  return text.split("\n").flatMap((line): KernelFault[] => {
    const nft = /^nft (\S+) (\S+) ?(.*)$/.exec(line);
    if (nft) return [{ mechanism: "nftables", name: `${nft[1]} ${nft[2]}`, description: nft[3] ?? "" }];
    const tc = /^tc qdisc (\S+) (\S+) root(?: refcnt \d+)? ?(.*?)\s*$/.exec(line);
    if (tc) return [{ mechanism: "tc", name: `${tc[1]} ${tc[2]}`, description: `${tc[1]} ${tc[3]}`.trim() }];
    return [];
  });
}
