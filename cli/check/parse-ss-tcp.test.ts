import { describe, expect, it } from "vitest";
import { parseSsTcp, ssTimeMs } from "./parse-ss-tcp.ts";

// Seen in the lab's workbench (iproute2 6.1), `ss -tinopHO dst tcp-echo`, fields after cwnd cut.
const KEEPALIVE =
  'ESTAB 0      0      172.18.0.6:58660 172.18.0.3:7 users:(("python3",pid=2590,fd=3)) timer:(keepalive,904ms,0) ts sack bbr wscale:10,10 rto:540 rtt:0.061/0.03 mss:1448 cwnd:10 bytes_acked:1 bbr:(bw:0bps,mrtt:0.061,pacing_gain:1,cwnd_gain:1) lastsnd:5144 snd_wnd:65536';
const RETRANSMITTING =
  'ESTAB 0      6         172.18.0.6:32920   172.18.0.3:7 users:(("socat",pid=2201,fd=5)) timer:(on,2.136ms,4) ts sack bbr wscale:10,10 rto:3264 backoff:4 rtt:0.071/0.043 bytes_retrans:30 retrans:1/5 snd_wnd:65536';
const ZERO_WINDOW =
  'ESTAB 0      478664    172.18.0.6:50116   172.18.0.3:7103 users:(("nc",pid=2443,fd=3)) timer:(persist,24sec,0) ts sack bbr wscale:10,10 rto:212 backoff:7 bytes_acked:127545 rwnd_limited:29912ms(99.9%) notsent:478664';

describe("parseSsTcp", () => {
  it("reads labkit's row (state, queues, both ends, the process), the timer and -i's figures of each line", () => {
    const [keepalive, retransmitting, zeroWindow] = parseSsTcp(
      `${KEEPALIVE}\n${RETRANSMITTING}\n${ZERO_WINDOW}\n`,
    );
    expect(keepalive).toMatchObject({
      state: "ESTABLISHED",
      receiveQueueBytes: 0,
      sendQueueBytes: 0,
      local: "172.18.0.6:58660",
      remoteAddress: "172.18.0.3",
      remotePort: 7,
      owner: { program: "python3", pid: 2590 },
      timer: { name: "keepalive", remainingMs: 904, count: 0 },
      info: { rto: "540", snd_wnd: "65536", bytes_acked: "1" },
    });
    expect(retransmitting).toMatchObject({
      sendQueueBytes: 6,
      timer: { name: "on", remainingMs: 2136, count: 4 },
      info: { rto: "3264", backoff: "4", retrans: "1/5" },
    });
    expect(zeroWindow).toMatchObject({
      sendQueueBytes: 478_664,
      remotePort: 7103,
      owner: { program: "nc", pid: 2443 },
      timer: { name: "persist", remainingMs: 24_000, count: 0 },
      info: { bytes_acked: "127545" },
    });
    // No snd_wnd on the zero-window line: ss leaves out a window of 0; bbr's (...) figures are not -i's.
    expect(zeroWindow?.info["snd_wnd"]).toBeUndefined();
    expect(keepalive?.info["bw"]).toBeUndefined();
  });

  it("leaves out a socket without a timer or a process as such, and lines that are no socket", () => {
    const sockets = parseSsTcp("State Recv-Q Send-Q\nESTAB 0 0 10.0.0.1:40000 10.0.0.2:7 ts rto:204\n");
    expect(sockets).toHaveLength(1);
    expect(sockets[0]?.timer).toBeUndefined();
    expect(sockets[0]?.owner).toBeUndefined();
  });
});

describe("ssTimeMs", () => {
  it.each([
    ["396ms", 396],
    ["2.136ms", 2136],
    ["58sec", 58_000],
    ["1min30sec", 90_000],
    ["1min", 60_000],
  ])("reads %s as %d ms", (text, ms) => {
    expect(ssTimeMs(text)).toBe(ms);
  });

  it("is NaN for what ss does not print", () => {
    expect(ssTimeMs("1.5sec")).toBeNaN();
    expect(ssTimeMs("")).toBeNaN();
  });
});
