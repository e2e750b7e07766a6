import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLab, type Lab } from "../harness/start-lab.ts";

let lab: Lab;

beforeAll(async () => {
  lab = await startLab();
});

afterAll(async () => {
  await lab.down();
});

const SHA_OF_HELLO = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";

// Runs in the workbench: each case on its own connection, raw frames (4-byte big-endian length +
// JSON), and the first error code the server answers, or "closed" when it only closes.
const FRAME = `
import net from "node:net";
const frame = (text) => { const b = Buffer.from(text); const h = Buffer.alloc(4); h.writeUInt32BE(b.length); return Buffer.concat([h, b]); };`;

const RAW_CLIENT = `${FRAME}
function exchange(first, body) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "file-transfer", port: 9000 });
    let buffered = Buffer.alloc(0);
    const replies = [];
    const done = (result) => { clearTimeout(deadline); socket.destroy(); resolve(result); };
    const deadline = setTimeout(() => done({ replies, end: "timeout" }), 5000);
    socket.on("connect", () => socket.write(first));
    socket.on("data", (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 4 && buffered.length >= 4 + buffered.readUInt32BE(0)) {
        const reply = JSON.parse(buffered.subarray(4, 4 + buffered.readUInt32BE(0)).toString());
        buffered = buffered.subarray(4 + buffered.readUInt32BE(0));
        replies.push(reply.ok ? reply.status ?? reply.op : reply.code);
        if (reply.status === "ready" && body !== undefined) socket.write(body);
        else if (!reply.ok || reply.status !== "ready") return done({ replies, end: "replied" });
      }
    });
    socket.on("close", () => done({ replies, end: "closed" }));
    socket.on("error", () => {});
  });
}
const cases = JSON.parse(process.argv[1]);
const results = {};
for (const [label, header, bodyText] of cases) {
  const first = typeof header === "string" ? frame(header) : Buffer.from(header.rawHex, "hex");
  results[label] = await exchange(first, bodyText == null ? undefined : Buffer.from(bodyText));
}
console.log(JSON.stringify(results));
`;

const put = (fields: Record<string, unknown>) => JSON.stringify({ op: "put", id: 1, ...fields });
const goodPut = { name: "ok.txt", size: 5, sha256: SHA_OF_HELLO };

// [label, header (JSON text, or raw bytes as hex), body to send after "ready", expected first code]
const CASES: [string, string | { rawHex: string }, string | undefined, string][] = [
  ["malformed JSON", "{not json", undefined, "MALFORMED_JSON"],
  ["a header that is not an object", "[1,2,3]", undefined, "NOT_AN_OBJECT"],
  ["an unknown operation", JSON.stringify({ op: "fly", id: 1 }), undefined, "UNKNOWN_OP"],
  ["a missing field", put({ name: "a.txt" }), undefined, "MISSING_FIELD"],
  ["a size of the wrong type", put({ ...goodPut, size: "5" }), undefined, "BAD_TYPE"],
  ["a negative size", put({ ...goodPut, size: -1 }), undefined, "BAD_SIZE"],
  ["a fractional size", put({ ...goodPut, size: 1.5 }), undefined, "BAD_SIZE"],
  ["a size over the limit", put({ ...goodPut, size: 2 ** 40 }), undefined, "FILE_TOO_LARGE"],
  ["a malformed hash", put({ ...goodPut, sha256: "xyz" }), undefined, "BAD_SHA256"],
  ["a .. name", put({ ...goodPut, name: ".." }), undefined, "NAME_DOT_DOT"],
  ["an absolute name", put({ ...goodPut, name: "/etc/passwd" }), undefined, "NAME_ABSOLUTE"],
  ["a name with a separator", put({ ...goodPut, name: "a/b" }), undefined, "NAME_SEPARATOR"],
  ["a name with NUL", put({ ...goodPut, name: "a\u0000b" }), undefined, "NAME_NUL"],
  ["an over-long name", put({ ...goodPut, name: "n".repeat(300) }), undefined, "NAME_TOO_LONG"],
  ["an empty name", put({ ...goodPut, name: "" }), undefined, "NAME_EMPTY"],
  ["a header over 64 KiB", { rawHex: "00011170" + "7b".repeat(16) }, undefined, "HEADER_TOO_LARGE"],
  ["a body whose hash differs", put({ ...goodPut, name: "mismatch.txt" }), "HELLO", "HASH_MISMATCH"],
];

describe("file-transfer under bad input, from the workbench", () => {
  it("answers each bad request with its code, and keeps serving everyone else", async () => {
    const cases = CASES.map(([label, header, body]) => [label, header, body]);
    const run = await lab.exec("workbench", [
      "node",
      "--input-type=module",
      "-e",
      RAW_CLIENT,
      JSON.stringify(cases),
    ]);
    expect(run.stderr).toBe("");
    const results = JSON.parse(run.stdout) as Record<string, { replies: string[] }>;
    const firstErrors = Object.fromEntries(
      Object.entries(results).map(([label, r]) => [
        label,
        r.replies.find((code) => code === code.toUpperCase()),
      ]),
    );
    expect(firstErrors).toEqual(Object.fromEntries(CASES.map(([label, , , code]) => [label, code])));
    const stored = JSON.parse(await lab.sh("workbench", "socklab ls --json")) as { name: string }[];
    expect(stored.map((f) => f.name)).not.toContain("mismatch.txt");
  });

  it("keeps a connection usable after a malformed header", async () => {
    const script = `${FRAME}
const both = Buffer.concat([frame("{oops"), frame(JSON.stringify({ op: "list", id: 2 }))]);
const socket = net.connect({ host: "file-transfer", port: 9000 }, () => socket.write(both));
let buffered = Buffer.alloc(0);
const replies = [];
socket.on("data", (chunk) => {
  buffered = Buffer.concat([buffered, chunk]);
  while (buffered.length >= 4 && buffered.length >= 4 + buffered.readUInt32BE(0)) {
    replies.push(JSON.parse(buffered.subarray(4, 4 + buffered.readUInt32BE(0)).toString()));
    buffered = buffered.subarray(4 + buffered.readUInt32BE(0));
  }
  if (replies.length === 2) { socket.destroy(); console.log(JSON.stringify(replies)); }
});`;
    const run = await lab.exec("workbench", ["node", "--input-type=module", "-e", script]);
    const replies = JSON.parse(run.stdout) as { ok: boolean; code?: string; op?: string }[];
    expect(replies[0]).toMatchObject({ ok: false, code: "MALFORMED_JSON" });
    expect(replies[1]).toMatchObject({ ok: true, op: "list" });
  });

  it("never shows an upload whose body ends short, and leaves nothing under its name", async () => {
    const script = `${FRAME}
const socket = net.connect({ host: "file-transfer", port: 9000 }, () =>
  socket.write(frame(JSON.stringify({ op: "put", id: 1, name: "short.txt", size: 5, sha256: "${SHA_OF_HELLO}" }))));
socket.once("data", () => socket.end("he"));
socket.on("close", () => console.log("closed"));`;
    const run = await lab.exec("workbench", ["node", "--input-type=module", "-e", script]);
    expect(run.stdout.trim()).toBe("closed");
    const stored = JSON.parse(await lab.sh("workbench", "socklab ls --json")) as { name: string }[];
    expect(stored.map((f) => f.name)).not.toContain("short.txt");
  });

  it.each([0, 1])("round-trips a %i-byte file", async (size) => {
    await lab.sh(
      "workbench",
      `head -c ${size} /dev/urandom >/tmp/f${size} && socklab put /tmp/f${size} f${size}`,
    );
    await lab.sh(
      "workbench",
      `socklab get f${size} /tmp/f${size}.back && cmp /tmp/f${size} /tmp/f${size}.back`,
    );
    expect((await lab.sh("workbench", `wc -c </tmp/f${size}.back`)).trim()).toBe(String(size));
  });
});
