// Run in the workbench by the tour: alice and bob join a room and talk, then stay connected until
// the tour has shown the chat server's sockets, one per user.
import { ChatClient, type ChatEvent } from "../../../clients/chat/chat-client.ts";
import { createScriptIo } from "./create-script-io.ts";

const ROOM = "#tour";
const io = createScriptIo("tour-chat");
const connect = (nick: string) => ChatClient.connect({ host: "chat", port: 6667, nick, room: ROOM });
const alice = await connect("alice");
const bob = await connect("bob");

const heard: (ChatEvent & { by: string })[] = [];
alice.send("hello, bob");
heard.push({ by: "bob", ...(await bob.waitFor((e) => e.kind === "message" && e.from === "alice")) });
bob.send("hi alice!");
heard.push({ by: "alice", ...(await alice.waitFor((e) => e.kind === "message" && e.from === "bob")) });
io.emit("talked", { room: ROOM, ports: { alice: alice.localPort, bob: bob.localPort }, heard });

await io.nextLine();
await Promise.all([alice.quit(), bob.quit()]);
io.emit("quit");
