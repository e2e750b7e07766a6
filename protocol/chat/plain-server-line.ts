/**
 * One line the server sends a plain-line user. The first character tells the kinds apart: a nick
 * (a message), `[` (a private message), `*` (someone joined, left, renamed or quit), `-` (server
 * information), `?` (the server waits for an answer), `!` (an error, with a stable code).
 */
export type PlainServerLine =
  | { readonly kind: "message"; readonly from: string; readonly text: string }
  | { readonly kind: "private"; readonly from: string; readonly text: string }
  | { readonly kind: "join"; readonly nick: string; readonly room: string }
  | {
      readonly kind: "part";
      readonly nick: string;
      readonly room: string;
      readonly reason: string | undefined;
    }
  | { readonly kind: "nick"; readonly nick: string; readonly newNick: string }
  | { readonly kind: "quit"; readonly nick: string; readonly reason: string }
  | {
      readonly kind: "members";
      readonly room: string;
      readonly total: number;
      readonly nicks: readonly string[];
    }
  | { readonly kind: "info"; readonly text: string }
  | { readonly kind: "question"; readonly topic: PlainQuestionTopic; readonly text: string }
  | { readonly kind: "error"; readonly code: string; readonly text: string };

/** `nick`: choose a nick; `ping`: send any line (an empty one will do) to show you are there. */
export type PlainQuestionTopic = "nick" | "ping";
