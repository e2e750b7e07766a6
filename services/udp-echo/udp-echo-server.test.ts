import dgram from "node:dgram";
import { once } from "node:events";
import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { waitUntil } from "../test-support/wait-until.ts";
import { LOOP_SOURCE_PORTS, startUdpEchoServer, type UdpEchoServer } from "./udp-echo-server.ts";

let server: UdpEchoServer | undefined;
const logs: { event: string; [key: string]: unknown }[] = [];

async function start(droppedSourcePorts?: ReadonlySet<number>): Promise<UdpEchoServer> {
  logs.length = 0;
  server = await startUdpEchoServer({
    host: "127.0.0.1",
    port: 0,
    log: (event, fields) => logs.push({ event, ...fields }),
    errorLogWindowMs: 60_000,
    ...(droppedSourcePorts ? { droppedSourcePorts } : {}),
  });
  return server;
}

afterEach(async () => {
  await server?.close(0);
  server = undefined;
});

async function roundTrip(port: number, payload: Buffer): Promise<Buffer> {
  const socket = dgram.createSocket("udp4");
  try {
    socket.connect(port, "127.0.0.1");
    await once(socket, "connect");
    socket.send(payload);
    const [message] = (await once(socket, "message")) as [Buffer];
    return message;
  } finally {
    socket.close();
  }
}

describe("startUdpEchoServer", () => {
  it.each([0, 1, 1472, 1473, 65_507])("returns a %i-byte datagram whole and unchanged", async (size) => {
    const { address } = await start();
    const payload = randomBytes(size);
    const reply = await roundTrip(address.port, payload);
    expect(reply.length).toBe(size);
    expect(reply.equals(payload)).toBe(true);
  });

  it("answers each datagram with exactly one datagram, keeping the boundaries", async () => {
    const { address } = await start();
    const socket = dgram.createSocket("udp4");
    socket.connect(address.port, "127.0.0.1");
    await once(socket, "connect");
    const sent = ["a", "bb", "ccc", "dddd"].map((text) => Buffer.from(text));
    const received: string[] = [];
    const all = new Promise<void>((resolve) =>
      socket.on("message", (message: Buffer) => {
        received.push(message.toString());
        if (received.length === sent.length) resolve();
      }),
    );
    for (const datagram of sent) socket.send(datagram);
    await all;
    socket.close();
    expect(received.sort()).toEqual(["a", "bb", "ccc", "dddd"]);
    expect(server?.stats().echoed).toBe(4);
  });

  it("keeps serving when replies go to a port that is closed (ICMP port unreachable)", async () => {
    const { address } = await start();
    const gone = dgram.createSocket("udp4");
    gone.bind(0, "127.0.0.1");
    await once(gone, "listening");
    for (let i = 0; i < 20; i++) gone.send(Buffer.from("x"), address.port, "127.0.0.1");
    gone.close();
    const reply = await roundTrip(address.port, Buffer.from("still here"));
    expect(reply.toString()).toBe("still here");
  });

  it("drops by default what comes from the echo, chargen and zero ports, which would loop", () => {
    expect([...LOOP_SOURCE_PORTS].sort((a, b) => a - b)).toEqual([0, 7, 19]);
  });

  it("drops datagrams from a looping source port unanswered, logs once per window, and serves others", async () => {
    // Port 7 needs privileges to bind here: the looping sender gets an ephemeral port, named as looping.
    const looper = dgram.createSocket("udp4");
    looper.bind(0, "127.0.0.1");
    await once(looper, "listening");
    const looperPort = looper.address().port;
    const { address } = await start(new Set([looperPort]));
    const replies: Buffer[] = [];
    looper.on("message", (message: Buffer) => replies.push(message));
    for (let i = 0; i < 10; i++) looper.send(Buffer.from("loop"), address.port, "127.0.0.1");
    await waitUntil(() => server?.stats().dropped === 10, "10 datagrams dropped");
    // A well-behaved client's round trip after the drops: had any been answered, it would be here by now.
    expect((await roundTrip(address.port, Buffer.from("fine"))).toString()).toBe("fine");
    looper.close();
    expect(replies).toEqual([]);
    expect(logs.filter((line) => line.event === "dropped")).toEqual([
      { event: "dropped", peer: `127.0.0.1:${looperPort}`, reason: "loop-source-port" },
    ]);
  });
});
