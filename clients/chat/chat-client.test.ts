import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChatClient, type ChatEvent } from "./chat-client.ts";
import { spawnChatService, type SpawnedChatService } from "./test-support/spawn-chat-service.ts";

let service: SpawnedChatService;
const clients: ChatClient[] = [];

async function connect(nick: string, room?: string): Promise<ChatClient> {
  const client = await ChatClient.connect({
    host: service.host,
    port: service.port,
    nick,
    ...(room === undefined ? {} : { room }),
  });
  clients.push(client);
  return client;
}

const isMessage = (from: string, text: string) => (event: ChatEvent) =>
  event.kind === "message" && event.from === from && event.text === text;

beforeAll(async () => {
  service = await spawnChatService();
});

afterAll(async () => {
  for (const client of clients) client.abort();
  expect(await service.stop()).toBe(0);
  expect(
    service.logs.map((entry) => entry["event"]).filter((event) => event !== "open" && event !== "close"),
  ).toEqual(["starting", "listening", "stopping", "stopped"]);
});

describe("ChatClient", () => {
  it("connects with a nick, lands in #lab, and chats with another client", async () => {
    const alice = await connect("alice");
    expect(alice.nick).toBe("alice");
    expect(alice.room).toBe("#lab");
    const bob = await connect("bob");
    await alice.waitFor((event) => event.kind === "join" && event.nick === "bob");
    bob.send("hi alice");
    await alice.waitFor(isMessage("bob", "hi alice"));
    alice.send("hi bob");
    await bob.waitFor(isMessage("alice", "hi bob"));
    expect(await bob.who()).toEqual(expect.arrayContaining(["alice", "bob"]));
  });

  it("reports joins, parts, nick changes and quits of others as events", async () => {
    const carol = await connect("carol", "#events");
    const dave = await connect("dave", "#events");
    await carol.waitFor(
      (event) => event.kind === "join" && event.nick === "dave" && event.room === "#events",
    );
    await dave.setNick("david");
    expect(dave.nick).toBe("david");
    await carol.waitFor(
      (event) => event.kind === "nick" && event.nick === "dave" && event.newNick === "david",
    );
    await dave.part();
    expect(dave.room).toBeUndefined();
    await carol.waitFor(
      (event) => event.kind === "part" && event.nick === "david" && event.room === "#events",
    );
    expect(await dave.join("events")).toEqual(["carol", "david"]);
    await dave.quit("done here");
    expect(dave.closed).toBe(true);
    await carol.waitFor(
      (event) => event.kind === "quit" && event.nick === "david" && event.reason === "Quit: done here",
    );
  });

  it("rejects a taken nick with the server's code, on connect and on setNick", async () => {
    await connect("erin");
    await expect(connect("ERIN")).rejects.toMatchObject({ code: "ERR_NICKNAMEINUSE" });
    await expect(connect("bad nick")).rejects.toMatchObject({ code: "ERR_CHAT_BAD_TEXT" });
    await expect(connect("9lives")).rejects.toMatchObject({ code: "ERR_ERRONEUSNICKNAME" });
    const frank = await connect("frank");
    await expect(frank.setNick("erin")).rejects.toMatchObject({ code: "ERR_NICKNAMEINUSE" });
    expect(frank.nick).toBe("frank");
    await expect(frank.join("#bad,room")).rejects.toMatchObject({ code: "ERR_NOSUCHCHANNEL" });
  });

  it("sends a typed line as it is with sendLine, commands included", async () => {
    const sam = await connect("sam", "#typed");
    sam.sendLine("/who");
    const members = await sam.waitFor((event) => event.kind === "members" && event.room === "#typed");
    expect(members).toEqual({ kind: "members", room: "#typed", total: 1, nicks: ["sam"] });
    expect(() => sam.sendLine("a\nb")).toThrow(expect.objectContaining({ code: "ERR_CHAT_BAD_TEXT" }));
  });

  it("escapes a leading slash, so text is never read as a command", async () => {
    const gina = await connect("gina", "#slash");
    const hank = await connect("hank", "#slash");
    gina.send("/quit is a command, //quit is text");
    await hank.waitFor(isMessage("gina", "/quit is a command, //quit is text"));
    expect(gina.closed).toBe(false);
  });

  it("sends private messages, and lists another room's members", async () => {
    const ivan = await connect("ivan", "#private");
    const judy = await connect("judy", "#elsewhere");
    ivan.msg("judy", "just between us");
    await judy.waitFor(
      (event) => event.kind === "private" && event.from === "ivan" && event.text === "just between us",
    );
    expect(await judy.who("#private")).toEqual(["ivan"]);
  });

  it("refuses text the protocol cannot carry, before sending it", async () => {
    const kim = await connect("kim", "#refuse");
    expect(() => kim.send("two\nlines")).toThrow(expect.objectContaining({ code: "ERR_CHAT_BAD_TEXT" }));
    expect(() => kim.send("x".repeat(361))).toThrow(expect.objectContaining({ code: "ERR_CHAT_BAD_TEXT" }));
    expect(() => kim.send("")).toThrow(expect.objectContaining({ code: "ERR_CHAT_BAD_TEXT" }));
  });

  it("finds with waitFor an event that arrived before the call, or only later ones with since", async () => {
    const lena = await connect("lena", "#wait");
    const mike = await connect("mike", "#wait");
    mike.send("first");
    await lena.waitFor(isMessage("mike", "first"));
    const since = lena.eventCount;
    await expect(lena.waitFor(isMessage("mike", "first"), { since, timeoutMs: 200 })).rejects.toMatchObject({
      code: "ERR_CHAT_TIMEOUT",
    });
    expect(await lena.waitFor(isMessage("mike", "first"))).toEqual({
      kind: "message",
      from: "mike",
      text: "first",
    });
  });

  it("resets the connection with abort(), which the others see as a reset", async () => {
    const nina = await connect("nina", "#abort");
    const omar = await connect("omar", "#abort");
    omar.abort();
    await nina.waitFor(
      (event) =>
        event.kind === "quit" && event.nick === "omar" && event.reason === "Connection reset by peer",
    );
    await expect(omar.waitFor(() => true, { since: omar.eventCount })).rejects.toMatchObject({
      code: "ERR_CHAT_CLOSED",
    });
  });

  it("closes with close(): a FIN the server answers with its own", async () => {
    const pat = await connect("pat", "#close");
    const quinn = await connect("quinn", "#close");
    await quinn.close();
    expect(quinn.closed).toBe(true);
    await pat.waitFor(
      (event) => event.kind === "quit" && event.nick === "quinn" && event.reason === "Connection closed",
    );
  });
});

describe("ChatClient with a server that pings", () => {
  it("answers the server's pings and stays connected", async () => {
    await using pinging = await spawnChatService({
      SOCKLAB_CHAT_PING_INTERVAL_MS: "100",
      SOCKLAB_CHAT_PING_TIMEOUT_MS: "200",
    });
    await using rita = await ChatClient.connect({ host: pinging.host, port: pinging.port, nick: "rita" });
    const pings = (): number =>
      rita.history.filter((event) => event.kind === "question" && event.topic === "ping").length;
    await rita.waitFor(() => pings() >= 3);
    expect(rita.closed).toBe(false);
  });
});
