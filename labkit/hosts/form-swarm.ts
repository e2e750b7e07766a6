import { SocklabError } from "../../protocol/socklab-error.ts";
import { waitFor } from "../wait-for.ts";
import type { EngineHost } from "./engine-host.ts";
import { runDockerCli } from "./run-docker-cli.ts";

const SWARM_PORT = 2377;
const NODES_READY_TIMEOUT_MS = 60_000;

/** The swarm that joins a lab's hosts: its first host is the manager that creates the overlay. */
export interface Swarm {
  manager: EngineHost;
  clusterId: string;
}

interface SwarmState {
  localNodeState: string;
  clusterId: string;
  isManager: boolean;
}

async function swarmState(host: EngineHost): Promise<SwarmState> {
  const out = await runDockerCli(host, [
    "info",
    "--format",
    "{{.Swarm.LocalNodeState}} {{if .Swarm.Cluster}}{{.Swarm.Cluster.ID}}{{end}} {{.Swarm.ControlAvailable}}",
  ]);
  const [localNodeState = "", clusterId = "", control = ""] = out.trim().split(" ");
  return { localNodeState, clusterId, isManager: control === "true" };
}

/**
 * Forms a swarm of `hosts` (or completes the one the first host manages): the first host inits with
 * its advertise address, the others join as managers with theirs. Managers, because compose on a
 * swarm worker does not see an attachable overlay until a container there uses it (docker/compose#11894).
 * Joining is idempotent; a host in another swarm is ERR_SWARM_FOREIGN.
 */
export async function formSwarm(hosts: readonly EngineHost[]): Promise<Swarm> {
  const [manager, ...others] = hosts;
  if (!manager) throw new SocklabError("ERR_HOSTS_FILE", "a swarm needs at least one host");
  let managerState = await swarmState(manager);
  if (managerState.localNodeState !== "active") {
    await runDockerCli(manager, ["swarm", "init", "--advertise-addr", manager.spec.advertiseAddress]);
    managerState = await swarmState(manager);
  } else if (!managerState.isManager) {
    throw new SocklabError(
      "ERR_SWARM_FOREIGN",
      `${manager.name} is a swarm worker; the first host must be a manager`,
    );
  }
  const token = (await runDockerCli(manager, ["swarm", "join-token", "-q", "manager"])).trim();
  const managerAddress = `${manager.spec.advertiseAddress}:${SWARM_PORT}`;
  for (const host of others) {
    const state = await swarmState(host);
    if (state.localNodeState === "active" && state.clusterId === managerState.clusterId) continue;
    if (state.localNodeState === "active") {
      throw new SocklabError(
        "ERR_SWARM_FOREIGN",
        `${host.name} is in another swarm (${state.clusterId}); \`docker swarm leave\` there first`,
      );
    }
    await runDockerCli(host, [
      "swarm",
      "join",
      "--token",
      token,
      "--advertise-addr",
      host.spec.advertiseAddress,
      managerAddress,
    ]);
  }
  await waitForNodesReady(manager, hosts.length);
  return { manager, clusterId: managerState.clusterId };
}

async function waitForNodesReady(manager: EngineHost, count: number): Promise<void> {
  let last = "";
  await waitFor(
    async () => {
      last = await runDockerCli(manager, [
        "node",
        "ls",
        "--format",
        "{{.Hostname}} {{.Status}} {{.Availability}}",
      ]);
      const ready = last.split("\n").filter((line) => line.endsWith(" Ready Active"));
      return ready.length >= count ? true : undefined;
    },
    {
      timeoutMs: NODES_READY_TIMEOUT_MS,
      pollMs: 200,
      what: `${count} swarm nodes Ready`,
      describeLast: () => last,
    },
  );
}

/** Takes every host out of its swarm (workers first, the first host last). */
export async function leaveSwarm(hosts: readonly EngineHost[]): Promise<void> {
  for (const host of [...hosts].reverse()) {
    const state = await swarmState(host);
    if (state.localNodeState === "active") await runDockerCli(host, ["swarm", "leave", "--force"]);
  }
}
