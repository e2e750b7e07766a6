import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLab, type Lab } from "../harness/start-lab.ts";

// 1472 is the largest payload in one unfragmented IPv4 packet on a 1500-byte MTU; 1473 needs two
// fragments; 65,507 is the IPv4 maximum.
const SIZES_BYTES = [0, 1, 1472, 1473, 65_507] as const;

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

  // nc cannot send an empty datagram, so size 0 is the socklab client's alone.
  it.each(SIZES_BYTES.filter((size) => size > 0))(
    "echoes a %i-byte datagram sent by nc -u unchanged",
    async (size) => {
      const script = `head -c ${size} /dev/urandom >/tmp/d && nc -u -w1 udp-echo 7 </tmp/d >/tmp/r && cmp /tmp/d /tmp/r && wc -c </tmp/r`;
      expect(await lab.sh("workbench", script)).toBe(`${size}\n`);
    },
  );

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
