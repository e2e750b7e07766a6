import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPuppet, type Puppet } from "../../labkit/puppet/start-puppet.ts";
import { startLab, type Lab } from "../../labkit/lab/start-lab.ts";
import { waitFor } from "../../labkit/wait-for.ts";
import { recordFailureEvidence } from "../support/record-failure-evidence.ts";

let lab: Lab;

beforeAll(async () => {
  lab = await startLab();
});

// A failing check leaves the ladder, both tables and both pcaps of its last connections in lab-evidence/.
recordFailureEvidence(() => lab, { services: ["workbench", "file-transfer"] });

afterAll(async () => {
  await lab.down();
});

const MIB = 1024 * 1024;
const SHA_OF_HELLO = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";

// Runs in the workbench: each case on its own connection, raw frames (4-byte big-endian length +
// JSON). It records each reply (the code of an error, the status or op of a success) and how the
// connection ended: after the last reply it sends a list request, which a usable connection answers
// ("usable") and a closing one does not ("closed"). A case with endAfterBody closes its side instead.
const FRAME = `
import net from "node:net";
const frame = (text) => { const b = Buffer.from(text); const h = Buffer.alloc(4); h.writeUInt32BE(b.length); return Buffer.concat([h, b]); };`;

const RAW_CLIENT = `${FRAME}
function exchange({ header, body, endAfterBody }) {
  const first = typeof header === "string" ? frame(header) : Buffer.from(header.rawHex, "hex");
  return new Promise((resolve) => {
    const socket = net.connect({ host: "file-transfer", port: 9000 });
    let buffered = Buffer.alloc(0);
    let probing = false;
    const replies = [];
    const done = (end) => { clearTimeout(deadline); socket.destroy(); resolve({ replies, end }); };
    const deadline = setTimeout(() => done("timeout"), 5000);
    socket.on("connect", () => socket.write(first));
    socket.on("data", (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 4 && buffered.length >= 4 + buffered.readUInt32BE(0)) {
        const reply = JSON.parse(buffered.subarray(4, 4 + buffered.readUInt32BE(0)).toString());
        buffered = buffered.subarray(4 + buffered.readUInt32BE(0));
        if (probing && reply.id === "probe") return done("usable");
        replies.push(reply.ok ? reply.status ?? reply.op : reply.code);
        if (reply.status === "ready" && body != null) {
          if (endAfterBody) socket.end(Buffer.from(body));
          else socket.write(Buffer.from(body));
        } else if (!probing && !endAfterBody) {
          probing = true;
          socket.write(frame(JSON.stringify({ op: "list", id: "probe" })));
        }
      }
    });
    socket.on("close", () => done("closed"));
    socket.on("error", () => {});
  });
}
const results = {};
for (const c of JSON.parse(process.argv[1])) results[c.label] = await exchange(c);
console.log(JSON.stringify(results));
`;

const put = (fields: Record<string, unknown>) => JSON.stringify({ op: "put", id: 1, ...fields });
const goodPut = { name: "ok.txt", size: 5, sha256: SHA_OF_HELLO };

interface BadInputCase {
  label: string;
  /** The first frame's header as JSON text, or the raw bytes to send, in hex. */
  header: string | { rawHex: string };
  /** Sent after "ready"; with endAfterBody the client then closes its side. */
  body?: string;
  endAfterBody?: boolean;
  /** Each reply's code, or status or op for a success, in order. */
  replies: string[];
  /** "usable" if the connection still answers a request afterwards, "closed" if the server closed it. */
  end: "usable" | "closed";
}

const refused = (label: string, header: BadInputCase["header"], code: string): BadInputCase => ({
  label,
  header,
  replies: [code],
  end: "usable",
});

const CASES: BadInputCase[] = [
  refused("malformed JSON", "{not json", "MALFORMED_JSON"),
  refused("a header that is not an object", "[1,2,3]", "NOT_AN_OBJECT"),
  refused("an unknown operation", JSON.stringify({ op: "fly", id: 1 }), "UNKNOWN_OP"),
  refused("a missing field", put({ name: "a.txt" }), "MISSING_FIELD"),
  refused("a size of the wrong type", put({ ...goodPut, size: "5" }), "BAD_TYPE"),
  refused("a negative size", put({ ...goodPut, size: -1 }), "BAD_SIZE"),
  refused("a fractional size", put({ ...goodPut, size: 1.5 }), "BAD_SIZE"),
  // JSON.stringify cannot write it: 1e400 parses as Infinity.
  refused("a size of 1e400", put({ ...goodPut, size: 0 }).replace('"size":0', '"size":1e400'), "BAD_SIZE"),
  refused("a size over the limit", put({ ...goodPut, size: 2 ** 40 }), "FILE_TOO_LARGE"),
  refused("a malformed hash", put({ ...goodPut, sha256: "xyz" }), "BAD_SHA256"),
  refused("a .. name", put({ ...goodPut, name: ".." }), "NAME_DOT_DOT"),
  refused("an absolute name", put({ ...goodPut, name: "/etc/passwd" }), "NAME_ABSOLUTE"),
  refused("a name with a separator", put({ ...goodPut, name: "a/b" }), "NAME_SEPARATOR"),
  refused("a name with NUL", put({ ...goodPut, name: "a\u0000b" }), "NAME_NUL"),
  refused("an over-long name", put({ ...goodPut, name: "n".repeat(300) }), "NAME_TOO_LONG"),
  refused("an empty name", put({ ...goodPut, name: "" }), "NAME_EMPTY"),
  {
    label: "a header over 64 KiB",
    header: { rawHex: "00011170" + "7b".repeat(16) },
    replies: ["HEADER_TOO_LARGE"],
    end: "closed",
  },
  {
    label: "a body whose hash differs",
    header: put({ ...goodPut, name: "mismatch.txt" }),
    body: "HELLO",
    replies: ["ready", "HASH_MISMATCH"],
    end: "usable",
  },
  {
    // The extra bytes are read as the next frame: "EXTR" is a length far over the limit.
    label: "a body longer than announced",
    header: put({ ...goodPut, name: "long.txt" }),
    body: "helloEXTRA BYTES",
    replies: ["ready", "stored", "HEADER_TOO_LARGE"],
    end: "closed",
  },
  {
    label: "a body shorter than announced, then a close",
    header: put({ ...goodPut, name: "short.txt" }),
    body: "he",
    endAfterBody: true,
    replies: ["ready", "TRUNCATED_BODY"],
    end: "closed",
  },
];

const frameBytes = (header: object) => {
  const json = Buffer.from(JSON.stringify(header));
  const length = Buffer.alloc(4);
  length.writeUInt32BE(json.length);
  return Buffer.concat([length, json]);
};
const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** The reply headers a puppet has received so far, decoded from its dump. */
async function puppetReplies(puppet: Puppet): Promise<Record<string, unknown>[]> {
  puppet.send({ op: "dump" });
  const { chunksHex } = await puppet.next("dump");
  let bytes = Buffer.from(chunksHex.join(""), "hex");
  const replies: Record<string, unknown>[] = [];
  while (bytes.length >= 4 && bytes.length >= 4 + bytes.readUInt32BE(0)) {
    replies.push(
      JSON.parse(bytes.subarray(4, 4 + bytes.readUInt32BE(0)).toString()) as Record<string, unknown>,
    );
    bytes = bytes.subarray(4 + bytes.readUInt32BE(0));
  }
  return replies;
}

async function waitForReplies(
  puppet: Puppet,
  count: number,
  what: string,
): Promise<Record<string, unknown>[]> {
  return waitFor(
    async () => {
      const replies = await puppetReplies(puppet);
      return replies.length >= count ? replies : undefined;
    },
    { timeoutMs: 10_000, what },
  );
}

async function connectedPuppet(): Promise<Puppet> {
  const puppet = await startPuppet("workbench", lab.containerId("workbench"));
  puppet.send({ op: "connect", host: "file-transfer", port: 9000 });
  await puppet.next("connected");
  return puppet;
}

/** Bytes of each file in the server's partial folder. */
async function partialSizes(): Promise<number[]> {
  const found = await lab.sh("file-transfer", "find /data/.socklab/partial -type f -printf '%s\\n'");
  return found.split("\n").filter(Boolean).map(Number);
}

const storedNames = async () =>
  (JSON.parse(await lab.sh("workbench", "socklab ls --json")) as { name: string }[]).map((f) => f.name);

describe("file-transfer under bad input, from the workbench", () => {
  it("leaves the partial folder empty after a hash mismatch, though the bytes had reached it", async () => {
    await using puppet = await connectedPuppet();
    const size = 2 * MIB;
    // The puppet writes "b" bytes; the announced hash is that of as many "a" bytes.
    const header = { op: "put", id: 1, name: "mismatch.bin", size, sha256: sha256(Buffer.alloc(size, 0x61)) };
    puppet.send({ op: "writeFrames", hex: frameBytes(header).toString("hex"), writes: 1 });
    expect(await waitForReplies(puppet, 1, "ready")).toMatchObject([
      { ok: true, status: "ready", offset: 0 },
    ]);
    puppet.send({ op: "write", bytes: MIB });
    await waitFor(async () => ((await partialSizes())[0] === MIB ? true : undefined), {
      timeoutMs: 10_000,
      what: "the server to hold 1 MiB in its partial folder",
    });
    puppet.send({ op: "write", bytes: MIB });
    const replies = await waitForReplies(puppet, 2, "the verdict on the upload");
    expect(replies[1]).toMatchObject({ id: 1, ok: false, code: "HASH_MISMATCH" });
    expect(await lab.sh("file-transfer", "ls -A /data/.socklab/partial")).toBe("");
    expect(await storedNames()).not.toContain("mismatch.bin");
  });

  it("answers each bad request with its code, then stays usable or closes as the protocol says", async () => {
    const cases = CASES.map(({ label, header, body, endAfterBody }) => ({
      label,
      header,
      body,
      endAfterBody,
    }));
    const run = await lab.exec("workbench", [
      "node",
      "--input-type=module",
      "-e",
      RAW_CLIENT,
      JSON.stringify(cases),
    ]);
    expect(run.stderr).toBe("");
    expect(JSON.parse(run.stdout)).toEqual(
      Object.fromEntries(CASES.map(({ label, replies, end }) => [label, { replies, end }])),
    );
    const stored = await storedNames();
    expect(stored).not.toContain("mismatch.txt");
    expect(stored).not.toContain("short.txt");
    // Only the announced 5 bytes of the longer body were stored.
    expect(
      await lab.sh("workbench", "socklab get long.txt /tmp/long.back >/dev/null && cat /tmp/long.back"),
    ).toBe("hello");
  });

  it("serves another client while bad ones hold their connections inside a header and inside a body", async () => {
    await using inHeader = await connectedPuppet();
    await using inBody = await connectedPuppet();
    const list = frameBytes({ op: "list", id: "held" });
    // Three of the four length bytes, and then nothing.
    inHeader.send({ op: "writeFrames", hex: list.subarray(0, 3).toString("hex"), writes: 1 });
    await inHeader.next("written");
    const size = 2 * MIB;
    const header = {
      op: "put",
      id: "held",
      name: "held.bin",
      size,
      sha256: sha256(Buffer.alloc(size, 0x62)),
    };
    inBody.send({ op: "writeFrames", hex: frameBytes(header).toString("hex"), writes: 1 });
    await waitForReplies(inBody, 1, "ready for held.bin");
    inBody.send({ op: "write", bytes: MIB });
    await waitFor(async () => ((await partialSizes()).includes(MIB) ? true : undefined), {
      timeoutMs: 10_000,
      what: "the server to hold 1 MiB of held.bin",
    });

    await lab.sh(
      "workbench",
      `head -c ${3 * MIB} /dev/urandom >/tmp/other.bin && socklab put /tmp/other.bin other.bin && socklab get other.bin /tmp/other.back && cmp /tmp/other.bin /tmp/other.back`,
    );

    // Both were held open all along, and each is answered when it goes on.
    for (const puppet of [inHeader, inBody])
      expect(puppet.events.filter((e) => ["end", "close", "error"].includes(e.event))).toEqual([]);
    inHeader.send({ op: "writeFrames", hex: list.subarray(3).toString("hex"), writes: 1 });
    inBody.send({ op: "write", bytes: MIB });
    const [listed] = await waitForReplies(inHeader, 1, "the held list request's reply");
    expect(listed).toMatchObject({ id: "held", ok: true, op: "list" });
    expect((listed?.["files"] as { name: string }[]).map((f) => f.name)).toContain("other.bin");
    const bodyReplies = await waitForReplies(inBody, 2, "held.bin to be stored");
    expect(bodyReplies[1]).toMatchObject({ id: "held", ok: true, status: "stored", size });
    expect(await storedNames()).toContain("held.bin");
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
