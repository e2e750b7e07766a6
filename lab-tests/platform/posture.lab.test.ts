import type { ContainerInspectInfo } from "../../labkit/docker/docker-client.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dockerClient } from "../../labkit/docker/docker-client.ts";
import { startLab, type Lab } from "../../labkit/lab/start-lab.ts";

const SERVICES = ["tcp-echo", "udp-echo", "file-transfer", "chat"] as const;
const LAB_CONTAINERS = [...SERVICES, "workbench"] as const;

describe("the lab's isolation and the services' privileges, read from the running containers", () => {
  let lab: Lab;
  const inspect = (service: string) => dockerClient().getContainer(lab.containerId(service)).inspect();
  beforeAll(async () => {
    lab = await startLab();
  });
  afterAll(async () => {
    await lab.down();
  });

  it.each(SERVICES)("reports %s healthy through its protocol healthcheck", async (service) => {
    const info = await inspect(service);
    expect(info.State.Health?.Status).toBe("healthy");
    expect(info.Config.Healthcheck?.Test).toEqual(
      expect.arrayContaining(["node", "clients/healthcheck/main.js"]),
    );
  });

  it("puts the lab on one internal network whose subnet Docker picked", async () => {
    const network = await dockerClient().getNetwork(lab.networkName).inspect();
    expect(network.Internal).toBe(true);
    expect(network.IPAM?.Config?.[0]?.Subnet).toMatch(/^\d+\.\d+\.\d+\.\d+\/\d+$/);
    for (const service of LAB_CONTAINERS) {
      expect(Object.keys((await inspect(service)).NetworkSettings.Networks)).toEqual([lab.networkName]);
    }
  });

  it.each(LAB_CONTAINERS)("gives %s no default route", async (service) => {
    // /proc/net/route lists the routing table; a default route has destination 00000000.
    const routes = (await lab.sh(service, "cat /proc/net/route")).trim().split("\n").slice(1);
    expect(routes.length).toBeGreaterThan(0);
    expect(routes.map((row) => row.split(/\s+/)[1])).not.toContain("00000000");
  });

  it.each(SERVICES)(
    "runs %s as a non-root user, read-only, without capabilities, with limits",
    async (service) => {
      const info = await inspect(service);
      expectHardened(info);
      expect((await lab.sh(service, "id -u")).trim()).toBe("10001");
      const effectiveCaps = await lab.sh(service, "grep -h CapEff /proc/[0-9]*/status | sort -u");
      expect(effectiveCaps.trim()).toBe("CapEff:\t0000000000000000");
      const write = await lab.exec(service, ["sh", "-c", "touch /app/probe"]);
      expect(write.exitCode).not.toBe(0);
      expect(write.stderr).toContain("Read-only file system");
    },
  );

  it.each(SERVICES)("gives %s no writable place but the file store", async (service) => {
    const info = await inspect(service);
    const writable = info.Mounts.filter((mount) => mount.RW).map((mount) => mount.Destination);
    expect(writable).toEqual(service === "file-transfer" ? ["/data"] : []);
    expect(info.HostConfig.Tmpfs ?? {}).toEqual({});
    // Every other directory refuses a write, /tmp included: a name that escaped the store would fail.
    const probe =
      "for d in / /app /tmp /home /var /etc; do touch $d/probe 2>/dev/null && echo $d; done; true";
    expect(await lab.sh(service, probe)).toBe("");
  });

  it("keeps the workbench's privileges to what tcpdump and strace need", async () => {
    const info = await inspect("workbench");
    expect(info.HostConfig.CapDrop).toEqual(["ALL"]);
    // dockerode types CapAdd as any; the engine sends a list of names.
    const added = (info.HostConfig.CapAdd ?? []) as string[];
    expect([...added].sort()).toEqual(["NET_RAW", "SETGID", "SETUID", "SYS_PTRACE"]);
    expect(info.HostConfig.SecurityOpt).toContain("no-new-privileges:true");
  });

  it("holds every client and tool a learner is told to use, each one answering", async () => {
    // Each tool run for its version or help, so a broken install fails here, not only a missing one.
    const checks = [
      "nc -h 2>&1 | grep -q OpenBSD",
      "socat -V | grep -q 'socat version'",
      "ss -V | grep -q iproute2",
      "tcpdump --version 2>&1 | grep -q 'tcpdump version'",
      "strace -V | grep -q 'strace -- version'",
      "iperf3 --version | grep -q 'iperf 3'",
      "sockperf --version 2>&1 | grep -q -i sockperf",
      "python3 --version | grep -q 'Python 3'",
      "socklab --help | grep -q netstat",
    ];
    const script = checks.map(
      (check) => `if ${check}; then echo ok; else echo "failed: ${check.replaceAll("'", "")}"; fi`,
    );
    expect(await lab.sh("workbench", script.join("\n"))).toBe("ok\n".repeat(checks.length));
  });

  it.each(SERVICES)("stops %s on SIGTERM by itself, within its 3 s stop grace period", async (service) => {
    const container = dockerClient().getContainer(lab.containerId(service));
    // StopTimeout is in the engine's answer, not in dockerode's types.
    const config = (await container.inspect()).Config as { StopTimeout?: number };
    expect(config.StopTimeout).toBe(3);
    // docker stop sends SIGTERM and, after StopTimeout, SIGKILL (exit 137): exit 0 means it stopped itself.
    await container.stop();
    const state = (await container.inspect()).State;
    expect(state.Running).toBe(false);
    expect(state.ExitCode).toBe(0);
  });
});

function expectHardened(info: ContainerInspectInfo): void {
  expect(info.Config.User).toBe("10001:10001");
  expect(info.HostConfig.ReadonlyRootfs).toBe(true);
  expect(info.HostConfig.CapDrop).toEqual(["ALL"]);
  expect(info.HostConfig.CapAdd ?? []).toEqual([]);
  expect(info.HostConfig.SecurityOpt).toContain("no-new-privileges:true");
  expect(info.HostConfig.Memory).toBeGreaterThan(0);
  expect(info.HostConfig.PidsLimit).toBeGreaterThan(0);
  expect(info.HostConfig.Sysctls).toMatchObject({ "net.ipv4.ip_unprivileged_port_start": "0" });
}
