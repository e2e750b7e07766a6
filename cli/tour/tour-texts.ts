import type { Lang } from "../lang/resolve-lang.ts";

/** Everything the tour says, per language; the steps (tour-steps.ts) only choose what to say when. */
export interface TourTexts {
  handshake: {
    title: string;
    before: string;
    during: (clientPort: number) => string;
    after: string;
    ladder: string;
  };
  sticky: {
    title: string;
    queued: (bytes: number) => string;
    oneRead: (bytes: string) => string;
  };
  udp: {
    title: string;
    lost: string;
    gotBack: (bytes: number, identical: boolean) => string;
    sentOne: (bytes: number, back: string) => string;
    neverConnected: (localPort: number, rounds: number) => string;
    oneSocket: string;
  };
  file: {
    title: string;
    during: (clientPort: number) => string;
    stored: (name: string, size: string, sha256: string) => string;
    after: string;
    stays: string;
  };
  chat: {
    title: string;
    received: (by: string, room: string, from: string, text: string) => string;
    held: (alicePort: number, bobPort: number) => string;
    shared: string;
  };
  stepFailed: (message: string) => string;
  runOnHost: string;
  whatNext: (exerciseCount: number, exercisesDir: string) => string;
}

const EN: TourTexts = {
  handshake: {
    title: "TCP: the handshake, ESTABLISHED, and TIME_WAIT at the side that closes first",
    before: "Before: tcp-echo LISTENs on port 7; the workbench has no open socket toward it.",
    during: (port) => `\nDuring: SYN, SYN-ACK, ACK done, both ends are ESTABLISHED (client port ${port}).`,
    after:
      "\nAfter: the workbench closed first, so it holds TIME_WAIT (60 s, no process); tcp-echo holds nothing.",
    ladder:
      "\nThe same connection as it happened, recorded by `socklab trace`: each end's state (■) where the kernel changed it, and every packet as an arrow from the end that sent it (ms since the recording began):\n",
  },
  sticky: {
    title: "TCP carries bytes, not messages: ten writes, one read",
    queued: (bytes) =>
      `The workbench made 10 write() calls; the reader has not read yet, so all ${bytes} bytes wait in its Recv-Q:`,
    oneRead: (bytes) =>
      `\nThen one read() returned ${bytes} bytes: the boundaries are gone. A length prefix restores them.`,
  },
  udp: {
    title: "UDP: datagrams keep their boundaries, and there is no connection",
    lost: "got nothing back (a lost datagram is not resent)",
    gotBack: (bytes, identical) => `got one of ${bytes} back${identical ? ", identical" : ", DIFFERENT"}`,
    sentOne: (bytes, back) => `  sent one datagram of ${bytes} bytes, ${back}`,
    neverConnected: (port, rounds) =>
      `\nThe workbench's socket (port ${port}) was never connected: after ${rounds} round trips it still has no foreign address (0.0.0.0:*), and no state but UNCONN.`,
    oneSocket: "udp-echo has a single socket, UNCONN, whoever sends to it: no handshake, no per-peer state.",
  },
  file: {
    title: "File transfer: a length-prefixed header, the bytes, and a SHA-256 check",
    during: (port) =>
      `\nDuring: half of the file is sent and the upload waits; the connection (client port ${port}) is ESTABLISHED at both ends.`,
    stored: (name, size, sha256) =>
      `\nStored ${name} (${size} bytes): the server compared the bytes with the SHA-256 the header announced, and only then gave it its name:\n  sha256 ${sha256}`,
    after: "\nAfter: the client closed first, so the workbench holds TIME_WAIT; file-transfer holds nothing.",
    stays: "\ntour.bin stays in the store: `npx socklab get tour.bin` fetches it and checks it again.",
  },
  chat: {
    title: "Chat: two people in one room",
    received: (by, room, from, text) => `  ${by} received in ${room}: ${from}: ${text}`,
    held: (alice, bob) =>
      `\nWhile they are in the room, the chat server holds one ESTABLISHED socket per user (alice from port ${alice}, bob from ${bob}), next to its LISTEN:`,
    shared:
      "\nPlain-line users and IRC clients share the same rooms: try `socat - TCP:chat:6667` in the workbench.",
  },
  stepFailed: (message) => `  this step failed: ${message}`,
  runOnHost: "socklab tour: run it on the host, where it can look into every container",
  whatNext: (count, dir) => `What to try next:
  npx socklab shell                a shell in the workbench: nc, socat, ss, tcpdump, python3
  npx socklab netstat --watch      watch every socket of the lab change state
  npx socklab chat --nick you      chat in #lab (others can join with: socat - TCP:chat:6667)
  npx socklab get tour.bin         the tour's file, its SHA-256 checked again
  npx socklab capture tcp-echo     a pcap of a service's traffic, for Wireshark
  npx socklab check 4              grade your own code for an exercise: PASS or FAIL
  ${dir.padEnd(32)} ${count} exercises, each with a check
  docs/tcp-states.md               every TCP state, and how the lab makes it happen
  docs/glossary.md                 the terms, in English and Chinese
  npx socklab tour                 this tour again`,
};

const ZH: TourTexts = {
  handshake: {
    title: "TCP：三次握手、ESTABLISHED，以及先关闭的一方进入 TIME_WAIT",
    before: "之前：tcp-echo 在 7 端口 LISTEN；workbench 还没有任何指向它的套接字。",
    during: (port) => `\n之中：SYN、SYN-ACK、ACK 完成，两端都是 ESTABLISHED（客户端端口 ${port}）。`,
    after:
      "\n之后：workbench 先关闭，所以它处于 TIME_WAIT（60 秒，不属于任何进程）；tcp-echo 一端什么都没留下。",
    ladder:
      "\n同一条连接的真实经过，由 `socklab trace` 记录：每一端的状态（■）写在内核改变它的地方，每个报文是一支从发送方出发的箭头（时间为记录开始后的毫秒数）：\n",
  },
  sticky: {
    title: "TCP 传的是字节流，不是消息：十次 write，一次 read（粘包）",
    queued: (bytes) =>
      `workbench 调用了 10 次 write()；读方还没读，所以全部 ${bytes} 字节都在它的 Recv-Q 里等着：`,
    oneRead: (bytes) => `\n然后一次 read() 返回了 ${bytes} 字节：消息边界没了。加一个长度前缀就能恢复它们。`,
  },
  udp: {
    title: "UDP：数据报保留边界，而且没有连接",
    lost: "什么也没收到（丢失的数据报不会重传）",
    gotBack: (bytes, identical) => `收回一个 ${bytes} 字节的数据报${identical ? "，完全相同" : "，内容不同"}`,
    sentOne: (bytes, back) => `  发出一个 ${bytes} 字节的数据报，${back}`,
    neverConnected: (port, rounds) =>
      `\nworkbench 的套接字（端口 ${port}）从未建立连接：${rounds} 次往返之后，它仍然没有对端地址（0.0.0.0:*），状态只有 UNCONN。`,
    oneSocket: "udp-echo 只有一个套接字，UNCONN，不管谁发给它：没有握手，也没有按对端保存的状态。",
  },
  file: {
    title: "文件传输：带长度前缀的头部、文件字节、SHA-256 校验",
    during: (port) => `\n之中：文件发了一半，上传暂停；这条连接（客户端端口 ${port}）两端都是 ESTABLISHED。`,
    stored: (name, size, sha256) =>
      `\n已保存 ${name}（${size} 字节）：服务器先把收到的字节与头部声明的 SHA-256 比对，然后才给它命名：\n  sha256 ${sha256}`,
    after: "\n之后：客户端先关闭，所以 workbench 处于 TIME_WAIT；file-transfer 一端什么都没留下。",
    stays: "\ntour.bin 留在存储里：`npx socklab get tour.bin` 会取回它并再次校验。",
  },
  chat: {
    title: "聊天：一个房间里的两个人",
    received: (by, room, from, text) => `  ${by} 在 ${room} 收到：${from}: ${text}`,
    held: (alice, bob) =>
      `\n他们在房间里时，聊天服务器为每个用户保持一个 ESTABLISHED 套接字（alice 来自端口 ${alice}，bob 来自 ${bob}），旁边是它的 LISTEN：`,
    shared: "\n纯文本行用户和 IRC 客户端共用同样的房间：在 workbench 里试试 `socat - TCP:chat:6667`。",
  },
  stepFailed: (message) => `  这一步失败了：${message}`,
  runOnHost: "socklab tour：请在宿主机上运行，那里才能查看每个容器",
  whatNext: (count, dir) => `接下来可以试试：
  npx socklab shell                workbench 里的 shell：nc、socat、ss、tcpdump、python3
  npx socklab netstat --watch      观察实验室里每个套接字的状态变化
  npx socklab chat --nick you      在 #lab 聊天（其他人可以用 socat - TCP:chat:6667 加入）
  npx socklab get tour.bin         取回导览上传的文件，再校验一次 SHA-256
  npx socklab capture tcp-echo     抓取某个服务的流量（pcap），用 Wireshark 打开
  npx socklab check 4              评判你为某个练习写的代码：PASS 或 FAIL
  ${dir.padEnd(32)} ${count} 个练习，每个都有检查
  docs/tcp-states.md               每个 TCP 状态，以及实验室如何让它出现（英文）
  docs/zh/glossary.md              术语表（三次握手、四次挥手、粘包、半关闭……）
  npx socklab tour --lang zh       再看一遍导览`,
};

export const TOUR_TEXTS: Readonly<Record<Lang, TourTexts>> = { en: EN, zh: ZH };
