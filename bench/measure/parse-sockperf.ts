import { SocklabError } from "../../protocol/socklab-error.ts";

export interface SockperfLatency {
  /** Round trips in µs: sockperf prints one-way latency (half the round trip), doubled here. */
  p50Us: number;
  p99Us: number;
  meanUs: number;
}

/** Reads `sockperf ping-pong` output: `---> percentile 50.000 =   13.500` and `avg-latency=13.812`. */
export function parseSockperf(output: string): SockperfLatency {
  const percentile = (p: string) => {
    const match = new RegExp(`percentile ${p} =\\s*([\\d.]+)`).exec(output);
    if (!match?.[1])
      throw new SocklabError("ERR_BENCH_PARSE", `no percentile ${p} in sockperf output:\n${output}`);
    return Number(match[1]) * 2;
  };
  const mean = /avg-latency=([\d.]+)/.exec(output)?.[1];
  return { p50Us: percentile("50.000"), p99Us: percentile("99.000"), meanUs: Number(mean ?? Number.NaN) * 2 };
}
