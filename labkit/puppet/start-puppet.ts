import { readFileSync } from "node:fs";
import path from "node:path";
import { PassThrough } from "node:stream";
import readline from "node:readline";
import { SocklabError } from "../../protocol/socklab-error.ts";
import { dockerClient } from "../docker/docker-client.ts";
import { waitFor } from "../wait-for.ts";
import type { Command as PuppetCommand, PuppetEvents } from "./socket-puppet.ts";

const PUPPET_SOURCE = readFileSync(path.join(import.meta.dirname, "socket-puppet.ts"), "utf8");

/** One event as the puppet printed it: its name and that event's fields. */
export type PuppetEvent<E extends PuppetEventName = PuppetEventName> = {
  [N in E]: { event: N } & PuppetEvents[N];
}[E];
export type PuppetEventName = keyof PuppetEvents;

export type { Command as PuppetCommand, Endpoints, PuppetEvents } from "./socket-puppet.ts";

/** A socket in a lab container that a test moves step by step (see socket-puppet.ts). */
export interface Puppet extends AsyncDisposable {
  readonly service: string;
  send(command: PuppetCommand): void;
  /** The first event of this name not yet taken by an earlier call, waiting up to `timeoutMs`. */
  next<E extends PuppetEventName>(event: E, timeoutMs?: number): Promise<PuppetEvent<E>>;
  readonly events: readonly PuppetEvent[];
  exit(): Promise<void>;
}

const DEFAULT_EVENT_TIMEOUT_MS = 10_000;

/** Starts a puppet in `containerId` (as the container's own user) and waits until it is ready. */
export async function startPuppet(service: string, containerId: string): Promise<Puppet> {
  const exec = await dockerClient()
    .getContainer(containerId)
    .exec({
      Cmd: ["node", "--input-type=module-typescript", "-e", PUPPET_SOURCE],
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
    });
  const stream = await exec.start({ hijack: true, stdin: true });
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  dockerClient().modem.demuxStream(stream, stdout, stderr);
  let stderrText = "";
  stderr.setEncoding("utf8").on("data", (text: string) => (stderrText += text));

  const events: PuppetEvent[] = [];
  const taken = new Set<PuppetEvent>();
  readline
    .createInterface({ input: stdout })
    .on("line", (line) => events.push(JSON.parse(line) as PuppetEvent));

  const puppet: Puppet = {
    service,
    events,
    send: (command) => stream.write(`${JSON.stringify(command)}\n`),
    async next<E extends PuppetEventName>(event: E, timeoutMs = DEFAULT_EVENT_TIMEOUT_MS) {
      // The puppet prints each event with the fields PuppetEvents gives its name: the one cast.
      const look = () => events.find((e) => e.event === event && !taken.has(e));
      const found = await waitFor(look, {
        timeoutMs,
        pollMs: 20,
        what: `the puppet in ${service} to report "${event}"`,
        describeLast: () =>
          `${events.map((e) => JSON.stringify(e)).join("\n")}${stderrText ? `\nstderr: ${stderrText}` : ""}`,
      });
      taken.add(found);
      return found as PuppetEvent<E>;
    },
    async exit() {
      stream.end();
      await waitFor(async () => ((await exec.inspect()).Running ? undefined : true), {
        timeoutMs: 5_000,
        what: `the puppet in ${service} to exit`,
      });
    },
    [Symbol.asyncDispose]: () => puppet.exit(),
  };
  await puppet.next("ready").catch((error: unknown) => {
    throw new SocklabError("ERR_PUPPET_START", `the socket puppet did not start in ${service}`, {
      cause: error,
    });
  });
  return puppet;
}
