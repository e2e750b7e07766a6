import path from "node:path";
import type { Lab } from "../../labkit/lab/start-lab.ts";
import { runDocker } from "../docker/run-docker.ts";
import { startHelper } from "../docker/start-helper.ts";
import type { DeliveryResult, PhaseResult } from "../probes/irc-delivery-probe.ts";
import { runProbe } from "../probes/run-probe.ts";
import type { BenchRow } from "../report/bench-row.ts";
import { BENCH_SETTINGS } from "./bench-settings.ts";

const { chat, chatRooms } = BENCH_SETTINGS;

/** The load one probe run puts on a server: members, channels and phases. */
type ChatLoad = typeof chat | typeof chatRooms;
export const NGIRCD_IMAGE = "socklab/bench-ngircd:latest";
const NGIRCD_CONTEXT = path.join(import.meta.dirname, "..", "ngircd");
const IRC_PORT = 6667;
const GROUP = "Chat";

/**
 * One channel of 1,000 members through IRC, to socklab's chat and to ngircd (Debian's package, in a
 * bench-only container on the lab network) in the same run: delivery latency with one sender, then
 * the delivery rate with 50 senders.
 */
export async function measureChatDelivery(lab: Lab, nodeImage: string): Promise<BenchRow[]> {
  const socklab = await delivery(lab, "chat", chat);
  await buildNgircd(nodeImage);
  const ngircd = await deliveryToNgircd(lab, chat);
  const [one, many] = [phasePair(socklab, ngircd, 0), phasePair(socklab, ngircd, 1)];
  const members = `${chat.members.toLocaleString("en-US")} members in one channel`;
  const oneLoad = `${members}, 1 sender, ${one.socklab.messagesPerSender} messages ${one.socklab.intervalMs} ms apart`;
  const manyLoad = `${members}, ${many.socklab.senders} senders, each ${many.socklab.messagesPerSender} messages ${many.socklab.intervalMs} ms apart`;
  return [
    {
      group: GROUP,
      measurement: `delivery latency p50 over IRC, ${oneLoad}`,
      unit: "ms",
      value: one.socklab.p50Ms,
      reference: { tool: "ngircd", value: one.ngircd.p50Ms },
    },
    {
      group: GROUP,
      measurement: `delivery latency p99 over IRC, ${oneLoad}`,
      unit: "ms",
      value: one.socklab.p99Ms,
      reference: { tool: "ngircd", value: one.ngircd.p99Ms },
      target: { kind: "ratio-at-most", bound: 1 },
      note: `${describe("socklab", one.socklab)}; ${describe("ngircd", one.ngircd)}; members joined in ${seconds(socklab.joiningMs)} s (socklab) and ${seconds(ngircd.joiningMs)} s (ngircd)`,
    },
    {
      group: GROUP,
      measurement: `delivery latency p99 over IRC, ${manyLoad}`,
      unit: "ms",
      value: many.socklab.p99Ms,
      reference: { tool: "ngircd", value: many.ngircd.p99Ms },
      target: { kind: "ratio-at-most", bound: 1 },
    },
    {
      group: GROUP,
      measurement: `messages delivered per second over IRC, ${manyLoad}`,
      unit: "msg/s",
      value: many.socklab.deliveriesPerSecond,
      reference: { tool: "ngircd", value: many.ngircd.deliveriesPerSecond },
      note: `the offered load (${many.socklab.senders} msg/s to ${chat.members - 1} members each) sets this figure when a server keeps up, as both did here: compare the latencies under it. ${describe("socklab", many.socklab)}; ${describe("ngircd", many.ngircd)}`,
    },
  ];
}

/**
 * 5,000 members over 50 channels of 100, one sender in each channel, to socklab's chat and to
 * ngircd in the same run: the delivery latency when the fan-outs are many and small.
 */
export async function measureChatRooms(lab: Lab, nodeImage: string): Promise<BenchRow[]> {
  const socklab = await delivery(lab, "chat", chatRooms);
  await buildNgircd(nodeImage);
  const ngircd = await deliveryToNgircd(lab, chatRooms);
  const pair = phasePair(socklab, ngircd, 0);
  const phase = pair.socklab;
  const load = `${chatRooms.members.toLocaleString("en-US")} members over ${chatRooms.rooms} channels, ${phase.senders} senders (one a channel), each ${phase.messagesPerSender} messages ${phase.intervalMs} ms apart`;
  return [
    {
      group: GROUP,
      measurement: `delivery latency p50 over IRC, ${load}`,
      unit: "ms",
      value: phase.p50Ms,
      reference: { tool: "ngircd", value: pair.ngircd.p50Ms },
    },
    {
      group: GROUP,
      measurement: `delivery latency p99 over IRC, ${load}`,
      unit: "ms",
      value: phase.p99Ms,
      reference: { tool: "ngircd", value: pair.ngircd.p99Ms },
      target: { kind: "ratio-at-most", bound: 1 },
      note: `${describe("socklab", phase)}; ${describe("ngircd", pair.ngircd)}; members joined in ${seconds(socklab.joiningMs)} s (socklab) and ${seconds(ngircd.joiningMs)} s (ngircd)`,
    },
  ];
}

// Debian's ngircd on the pinned Node image's Debian; removed by bench/main.ts after the run.
async function buildNgircd(nodeImage: string): Promise<void> {
  await runDocker([
    "build",
    "--quiet",
    "--build-arg",
    `NODE_IMAGE=${nodeImage}`,
    "-t",
    NGIRCD_IMAGE,
    NGIRCD_CONTEXT,
  ]);
}

function phasePair(socklab: DeliveryResult, ngircd: DeliveryResult, index: number) {
  const pick = (result: DeliveryResult) => result.phases[index] as PhaseResult;
  return { socklab: pick(socklab), ngircd: pick(ngircd) };
}

const seconds = (ms: number) => (ms / 1000).toFixed(1);

function describe(name: string, phase: PhaseResult): string {
  return `${name}: ${phase.deliveries}/${phase.expectedDeliveries} delivered, p50 ${phase.p50Ms.toFixed(1)} ms, p99 ${phase.p99Ms.toFixed(1)} ms, max ${phase.maxMs.toFixed(1)} ms`;
}

function delivery(lab: Lab, host: string, load: ChatLoad): Promise<DeliveryResult> {
  return runProbe<DeliveryResult>(lab, "irc-delivery-probe.ts", { host, port: IRC_PORT, ...load });
}

// The same limits as the chat service (memory, file descriptors), and no capabilities.
async function deliveryToNgircd(lab: Lab, load: ChatLoad): Promise<DeliveryResult> {
  await using _server = await startHelper(lab, {
    network: lab.networkName,
    image: NGIRCD_IMAGE,
    command: [],
    runFlags: [
      "--network-alias",
      "ngircd",
      "--memory",
      "256m",
      "--ulimit",
      "nofile=8192:8192",
      "--read-only",
    ],
    readyPort: { protocol: "tcp", port: IRC_PORT },
  });
  return await delivery(lab, "ngircd", load);
}
