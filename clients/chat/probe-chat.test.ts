import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChatClient } from "./chat-client.ts";
import { probeChat } from "./probe-chat.ts";
import { spawnChatService, type SpawnedChatService } from "./test-support/spawn-chat-service.ts";

let service: SpawnedChatService;

beforeAll(async () => {
  service = await spawnChatService();
});

afterAll(async () => {
  await service.stop();
});

describe("probeChat", () => {
  it("gets a PONG through the chat protocol without anyone in the rooms seeing it", async () => {
    await using watcher = await ChatClient.connect({
      host: service.host,
      port: service.port,
      nick: "watcher",
    });
    const since = watcher.eventCount;
    await probeChat({ host: service.host, port: service.port });
    watcher.send("after the probe");
    watcher.sendLine("/who");
    await watcher.waitFor((event) => event.kind === "members", { since });
    expect(watcher.history.slice(since)).toEqual([
      { kind: "members", room: "#lab", total: 1, nicks: ["watcher"] },
    ]);
  });

  it("fails with ERR_CHAT_PROBE when nothing answers in time", async () => {
    const accepted: net.Socket[] = [];
    const silent = net.createServer((socket) => accepted.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const { port } = silent.address() as net.AddressInfo;
    try {
      await expect(probeChat({ host: "127.0.0.1", port, timeoutMs: 200 })).rejects.toMatchObject({
        code: "ERR_CHAT_PROBE",
      });
    } finally {
      for (const socket of accepted) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
