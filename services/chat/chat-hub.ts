import { foldCase } from "../../protocol/chat/fold-case.ts";
import { Broadcast, type ChatMode, type EventSource, type HubEvent, type TextCommand } from "./broadcast.ts";

/** A registered user, whichever protocol it speaks. */
export interface ChatMember {
  /** Set by the hub only: `add` and `rename`. */
  nick: string;
  readonly mode: ChatMode;
  /** `nick!user@host`. */
  readonly prefix: string;
  readonly rooms: Set<ChatRoom>;
  /** Queues the event's bytes; never calls back into the hub (a full queue closes the member later). */
  deliver(broadcast: Broadcast): void;
}

export interface ChatRoom {
  /** As first joined; compared through `foldCase`. */
  readonly name: string;
  /** In join order, which is the order NAMES and /who list them. */
  readonly members: Set<ChatMember>;
}

/**
 * The rooms and the nicks, shared by plain-line and IRC users. Every change happens here and is
 * announced here, one event at a time, so every member sees events in the order the hub made them.
 */
export class ChatHub {
  readonly #members = new Map<string, ChatMember>();
  readonly #rooms = new Map<string, ChatRoom>();

  get memberCount(): number {
    return this.#members.size;
  }

  get roomCount(): number {
    return this.#rooms.size;
  }

  findMember(nick: string): ChatMember | undefined {
    return this.#members.get(foldCase(nick));
  }

  findRoom(name: string): ChatRoom | undefined {
    return this.#rooms.get(foldCase(name));
  }

  /** Registers `member` under `nick`; false when another member holds it. */
  add(member: ChatMember, nick: string): boolean {
    if (this.#members.has(foldCase(nick))) return false;
    member.nick = nick;
    this.#members.set(foldCase(nick), member);
    return true;
  }

  /** Renames `member` and tells it and everyone sharing a room with it; false when `nick` is taken. */
  rename(member: ChatMember, nick: string): boolean {
    const holder = this.findMember(nick);
    if (holder !== undefined && holder !== member) return false;
    const event: HubEvent = { kind: "nick", from: sourceOf(member), newNick: nick };
    this.#members.delete(foldCase(member.nick));
    member.nick = nick;
    this.#members.set(foldCase(nick), member);
    const broadcast = new Broadcast(event);
    for (const peer of peersOf(member, true)) peer.deliver(broadcast);
    return true;
  }

  /** Adds `member` to the room (made on first join) and announces it to every member, itself included. */
  join(member: ChatMember, name: string): ChatRoom {
    const key = foldCase(name);
    let room = this.#rooms.get(key);
    if (room === undefined) {
      room = { name, members: new Set() };
      this.#rooms.set(key, room);
    }
    if (room.members.has(member)) return room;
    room.members.add(member);
    member.rooms.add(room);
    this.#toRoom(room, { kind: "join", from: sourceOf(member), room: room.name }, undefined);
    return room;
  }

  /** Announces the part to every member, itself included, then removes it; an empty room goes away. */
  part(member: ChatMember, room: ChatRoom, reason: string | undefined): void {
    if (!room.members.has(member)) return;
    this.#toRoom(room, { kind: "part", from: sourceOf(member), room: room.name, reason }, undefined);
    this.#leave(member, room);
  }

  /** Sends text to everyone in the room but the sender. */
  say(member: ChatMember, room: ChatRoom, text: string, command: TextCommand): void {
    this.#toRoom(room, { kind: "message", from: sourceOf(member), room: room.name, text, command }, member);
  }

  /** Sends text to one member. */
  tell(member: ChatMember, target: ChatMember, text: string, command: TextCommand): void {
    target.deliver(
      new Broadcast({ kind: "private", from: sourceOf(member), to: target.nick, text, command }),
    );
  }

  /**
   * Takes `member` out of every room and frees its nick; with `announce`, everyone who shared a
   * room with it hears the quit once (a shutdown skips that: n quits to n members is n squared).
   */
  remove(member: ChatMember, reason: string, announce: boolean): void {
    if (this.#members.get(foldCase(member.nick)) !== member) return;
    if (announce) {
      const broadcast = new Broadcast({ kind: "quit", from: sourceOf(member), reason });
      for (const peer of peersOf(member, false)) peer.deliver(broadcast);
    }
    for (const room of [...member.rooms]) this.#leave(member, room);
    this.#members.delete(foldCase(member.nick));
  }

  #toRoom(room: ChatRoom, event: HubEvent, except: ChatMember | undefined): void {
    const broadcast = new Broadcast(event);
    for (const peer of room.members) if (peer !== except) peer.deliver(broadcast);
  }

  #leave(member: ChatMember, room: ChatRoom): void {
    room.members.delete(member);
    member.rooms.delete(room);
    if (room.members.size === 0) this.#rooms.delete(foldCase(room.name));
  }
}

function sourceOf(member: ChatMember): EventSource {
  return { nick: member.nick, prefix: member.prefix };
}

/** Everyone sharing a room with `member`, each once. */
function peersOf(member: ChatMember, includeSelf: boolean): Set<ChatMember> {
  const peers = new Set<ChatMember>(includeSelf ? [member] : []);
  for (const room of member.rooms) for (const peer of room.members) if (peer !== member) peers.add(peer);
  return peers;
}
