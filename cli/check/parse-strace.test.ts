import { describe, expect, it } from "vitest";
import { callsOnTcpSockets, parseStrace, portOf } from "./parse-strace.ts";

const SERVER_TRACE = `1201  socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, IPPROTO_TCP) = 3
1201  setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0
1201  bind(3, {sa_family=AF_INET, sin_port=htons(9009), sin_addr=inet_addr("0.0.0.0")}, 16) = 0
1201  listen(3, 5)                      = 0
1201  accept4(3,  <unfinished ...>
1202  write(1, "x", 1)                  = 1
1201  <... accept4 resumed>{sa_family=AF_INET, sin_port=htons(41234), sin_addr=inet_addr("127.0.0.1")}, [16], SOCK_CLOEXEC) = 4
1201  recvfrom(4, "hello, server\\n", 1024, 0, NULL, NULL) = 14
1201  sendto(4, "hi, client\\n", 11, 0, NULL, 0) = 11
1201  connect(5, {sa_family=AF_INET, sin_port=htons(1), sin_addr=inet_addr("127.0.0.1")}, 16) = -1 ECONNREFUSED (Connection refused)
1201  close(4)                          = 0
1201  +++ exited with 0 +++
`;

describe("parseStrace", () => {
  it("reads each finished call with its thread, arguments and result", () => {
    const calls = parseStrace(SERVER_TRACE);
    expect(calls.map((c) => c.name)).toEqual([
      "socket",
      "setsockopt",
      "bind",
      "listen",
      "write",
      "accept4",
      "recvfrom",
      "sendto",
      "connect",
      "close",
    ]);
    const bind = calls.find((c) => c.name === "bind");
    expect(bind).toMatchObject({ pid: 1201, result: 0 });
    expect(bind?.args).toHaveLength(3);
    expect(portOf(bind?.args[1])).toBe(9009);
  });

  it("joins a call that another thread's interrupted, as -f prints it", () => {
    const accept = parseStrace(SERVER_TRACE).find((c) => c.name === "accept4");
    expect(accept?.result).toBe(4);
    expect(accept?.args[0]).toBe("3");
    expect(portOf(accept?.args[1])).toBe(41234);
  });

  it("keeps a failed call's errno and a quoted comma inside one argument", () => {
    const calls =
      parseStrace(`connect(3, {sa_family=AF_INET, sin_port=htons(7)}, 16) = -1 ECONNREFUSED (Connection refused)
sendto(3, "a, b", 4, 0, NULL, 0) = 4
`);
    expect(calls[0]).toMatchObject({ pid: undefined, name: "connect", result: -1, error: "ECONNREFUSED" });
    expect(calls[1]?.args).toEqual(["3", '"a, b"', "4", "0", "NULL", "0"]);
  });

  it("keeps the calls on TCP sockets only, following a descriptor number that is reused", () => {
    const calls = callsOnTcpSockets(
      parseStrace(`socket(AF_INET, SOCK_DGRAM|SOCK_CLOEXEC|SOCK_NONBLOCK, IPPROTO_IP) = 3
connect(3, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("127.0.0.11")}, 16) = 0
close(3)                                = 0
socket(AF_INET, SOCK_STREAM|SOCK_CLOEXEC, IPPROTO_TCP) = 3
connect(3, {sa_family=AF_INET, sin_port=htons(7), sin_addr=inet_addr("172.18.0.2")}, 16) = 0
write(1, "hello\\n", 6)                  = 6
sendto(3, "hello\\n", 6, 0, NULL, 0)     = 6
close(3)                                = 0
`),
    );
    expect(calls.map((c) => `${c.name} ${c.args[0] ?? ""}`)).toEqual([
      "socket AF_INET",
      "connect 3",
      "sendto 3",
      "close 3",
    ]);
    expect(portOf(calls[1]?.args[1])).toBe(7);
  });
});
