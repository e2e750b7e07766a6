import { CHAT_LIMITS } from "./chat-limits.ts";

// ASCII only, so that case folding is simple and every terminal shows the name as typed.
const ROOM_CHARS = /^#[A-Za-z0-9_.+-]+$/;

/** Why `room` cannot be a room name, or `undefined` when it can. */
export function validateRoom(room: string): string | undefined {
  if (!room.startsWith("#")) return "a room name starts with #";
  if (room.length < 2) return "a room name has at least one character after #";
  if (room.length > CHAT_LIMITS.maxRoomLength) {
    return `a room name has at most ${CHAT_LIMITS.maxRoomLength} characters, got ${room.length}`;
  }
  if (!ROOM_CHARS.test(room)) return "a room name has only letters, digits and _ . + - after #";
  return undefined;
}
