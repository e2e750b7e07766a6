import { describe, expect, it } from "vitest";
import { readFixtureEntries } from "./testing/read-socket-fixture.ts";
import type { ConnectionEnd } from "./socket-matchers.ts";
import "./socket-matchers.ts";

function ends(): { server: ConnectionEnd; client: ConnectionEnd } {
  const readAt = new Date(0);
  const server = { name: "server", entries: readFixtureEntries("server"), readAt };
  const client = { name: "client", entries: readFixtureEntries("client"), readAt };
  return { server: { ...server, peer: client }, client: { ...client, peer: server } };
}

describe("the socket matchers", () => {
  it("find a socket that is there, and pass .not for one that is not", () => {
    const { server } = ends();
    expect(server).toHaveSocket({ protocol: "tcp", localPort: 7, state: "LISTEN" });
    expect(server).not.toHaveSocket({ protocol: "tcp", localPort: 7, state: "SYN_SENT" });
    expect(server).toHaveSocketInState({ protocol: "tcp", localPort: 7, remotePort: 0 }, "LISTEN");
  });

  it("match on the send and receive queues when asked", () => {
    const { client } = ends();
    // The fixture's client holds 621192 bytes unacknowledged toward a peer that does not read.
    expect(client).toHaveSocket({ localPort: 41008, sendQueueBytes: 621192, receiveQueueBytes: 0 });
    expect(client).not.toHaveSocket({ localPort: 41008, sendQueueBytes: 0 });
    expect(() => expect(client).toHaveSocket({ localPort: 41008, sendQueueBytes: 1 })).toThrow(
      /\*:41008 -> \*:\*, 1 bytes unacknowledged/,
    );
  });

  it("say what was expected and show both tables when a socket is missing", () => {
    const { server } = ends();
    expect(() => expect(server).toHaveSocket({ localPort: 4242, state: "TIME_WAIT" })).toThrow(
      /expected server to hold a socket tcp\/udp \*:4242 -> \*:\* in TIME_WAIT; the tables were:\nserver\nProto .*\n(.|\n)*\nclient\nProto /,
    );
  });

  it("say which state a socket was in when it was in another", () => {
    const { server } = ends();
    expect(() =>
      expect(server).toHaveSocketInState({ protocol: "tcp", localPort: 7, remotePort: 0 }, "CLOSE_WAIT"),
    ).toThrow(/socket tcp \*:7 -> \*:0 to be in CLOSE_WAIT; it was in LISTEN/);
  });
});
