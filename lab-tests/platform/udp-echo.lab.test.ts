import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLab, type Lab } from "../../labkit/lab/start-lab.ts";

// 1472 is the largest payload in one unfragmented IPv4 packet on a 1500-byte MTU; 1473 needs two
// fragments; 65,507 is the IPv4 maximum.
const SIZES_BYTES = [0, 1, 1472, 1473, 65_507] as const;
const NC_MAX_DATAGRAM_BYTES = 16_384;

interface EchoRound {
  sentBytes: number;
  receivedBytes: number;
  match: boolean;
}

describe("udp-echo, driven from the workbench", () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await startLab();
  });
  afterAll(async () => {
    await lab.down();
  });

  // The workbench's UDP counters, read around one exchange with the service's address (a name would
  // add the embedded DNS server's datagrams): exactly one datagram out and one back.
  async function exchangeCountingDatagrams(
    client: string,
  ): Promise<{ out: number; in: number; echoed: string }> {
    const counters = `awk '/^Udp:/ { getline; print $2, $5 }' /proc/net/snmp`;
    const script = `ip=$(getent hosts udp-echo | cut -d' ' -f1); set -- $(${counters});
${client} </tmp/d >/tmp/r; cmp /tmp/d /tmp/r && wc -c </tmp/r; set -- $1 $2 $(${counters}); echo $(($4 - $2)) $(($3 - $1))`;
    const [echoed = "", deltas = ""] = (await lab.sh("workbench", script)).trim().split("\n");
    const [out = NaN, received = NaN] = deltas.split(" ").map(Number);
    return { out, in: received, echoed };
  }

  // nc cannot send an empty datagram, and netcat-openbsd sends at most 16 KiB (its buffer) per
  // datagram: beyond that it splits the input, so the largest datagram goes through socat instead.
  it.each(SIZES_BYTES.filter((size) => size > 0 && size <= NC_MAX_DATAGRAM_BYTES))(
    "echoes a %i-byte datagram sent by nc -u unchanged, as one datagram each way",
    async (size) => {
      await lab.sh("workbench", `head -c ${size} /dev/urandom >/tmp/d`);
      const round = await exchangeCountingDatagrams(`nc -u -w1 "$ip" 7`);
      expect(round).toEqual({ out: 1, in: 1, echoed: String(size) });
    },
  );

  it("echoes a 65,507-byte datagram sent by socat unchanged, as one datagram each way", async () => {
    await lab.sh("workbench", "head -c 65507 /dev/urandom >/tmp/d");
    const round = await exchangeCountingDatagrams(`socat -b 65507 - "UDP:$ip:7"`);
    expect(round).toEqual({ out: 1, in: 1, echoed: "65507" });
  });

  it("shows that nc -u splits input beyond 16 KiB into several datagrams", async () => {
    await lab.sh("workbench", "head -c 65507 /dev/urandom >/tmp/d");
    const round = await exchangeCountingDatagrams(`nc -u -w1 "$ip" 7`);
    expect(round).toEqual({ out: 4, in: 4, echoed: "65507" });
  });

  it.each(SIZES_BYTES)(
    "returns a %i-byte datagram as one whole datagram to the socklab client",
    async (size) => {
      const out = await lab.sh("workbench", `socklab echo --udp --size ${size} --json`);
      expect(JSON.parse(out) as EchoRound).toMatchObject({
        sentBytes: size,
        receivedBytes: size,
        match: true,
      });
    },
  );

  it("refuses a 65,508-byte datagram in the client with a clear error and exit code 2", async () => {
    const run = await lab.exec("workbench", ["socklab", "echo", "--udp", "--size", "65508"]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain("ERR_DATAGRAM_TOO_LARGE");
    expect(run.stderr).toContain("65507");
  });

  it("keeps serving after a burst of datagrams from a sender that closed its socket", async () => {
    // The replies go to a closed port: the workbench answers with ICMP port unreachable.
    await lab.sh("workbench", "for i in $(seq 50); do printf x | socat -u - UDP:udp-echo:7; done");
    const out = await lab.sh("workbench", "socklab echo --udp still-here");
    expect(out).toBe("still-here\n");
  });
});
