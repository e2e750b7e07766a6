import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { dockerClient } from "../../labkit/docker/docker-client.ts";
import { COMPOSE_PROJECT_LABEL } from "../../labkit/lab/lab-project.ts";
import { machineTag, ownerSegment } from "../../labkit/lab/lab-owner.ts";
import { sweepLeftovers } from "../../labkit/lab/sweep-leftovers.ts";

describe("sweepLeftovers", () => {
  it("removes the containers, networks and volumes an aborted run left, and nothing else", async () => {
    const docker = dockerClient();
    // Its own prefix, so that this test cannot touch the labs of other tests or the user's lab.
    const prefix = `socklab-sweeptest-${randomBytes(3).toString("hex")}-`;
    const leftover = { [COMPOSE_PROJECT_LABEL]: `${prefix}aborted` };
    const bystander = { [COMPOSE_PROJECT_LABEL]: `socklab-bystander-${randomBytes(3).toString("hex")}` };
    const network = await docker.createNetwork({ Name: `${prefix}net`, Internal: true, Labels: leftover });
    const volume = await docker.createVolume({ Name: `${prefix}vol`, Labels: leftover });
    const container = await docker.createContainer({ Image: "socklab/udp-echo:latest", Labels: leftover });
    const kept = await docker.createVolume({
      Name: `${bystander[COMPOSE_PROJECT_LABEL]}-vol`,
      Labels: bystander,
    });
    try {
      const report = await sweepLeftovers(prefix);
      expect(report.networks).toEqual([`${prefix}net`]);
      expect(report.volumes).toEqual([`${prefix}vol`]);
      expect(report.containers).toHaveLength(1);
      await expect(docker.getContainer(container.id).inspect()).rejects.toMatchObject({ statusCode: 404 });
      await expect(docker.getNetwork(network.id).inspect()).rejects.toMatchObject({ statusCode: 404 });
      await expect(docker.getVolume(volume.name).inspect()).rejects.toMatchObject({ statusCode: 404 });
      expect((await docker.getVolume(kept.name).inspect()).Name).toBe(kept.name);
    } finally {
      await docker.getVolume(kept.name).remove();
    }
  });
});

describe("sweepLeftovers beside another run", () => {
  it("keeps the labs of owners still running, removes those whose owner exited, and a failed start's own", async () => {
    const docker = dockerClient();
    const prefix = `socklab-sweeptest-${randomBytes(3).toString("hex")}-`;
    const exited = spawnSync(process.execPath, ["-e", ""]).pid;
    const live = `${prefix}${ownerSegment()}live`;
    const gone = `${prefix}${ownerSegment({ machine: machineTag(), pid: exited })}gone`;
    const liveVolume = await docker.createVolume({
      Name: `${live}-vol`,
      Labels: { [COMPOSE_PROJECT_LABEL]: live },
    });
    const goneVolume = await docker.createVolume({
      Name: `${gone}-vol`,
      Labels: { [COMPOSE_PROJECT_LABEL]: gone },
    });
    const liveContainer = await docker.createContainer({
      Image: "socklab/udp-echo:latest",
      Labels: { [COMPOSE_PROJECT_LABEL]: live },
    });
    try {
      const report = await sweepLeftovers(prefix);
      expect(report.volumes).toEqual([goneVolume.name]);
      expect(report.containers).toEqual([]);
      expect((await docker.getVolume(liveVolume.name).inspect()).Name).toBe(liveVolume.name);
      expect((await docker.getContainer(liveContainer.id).inspect()).Id).toBe(liveContainer.id);

      const own = await sweepLeftovers(live, { includeLive: true });
      expect(own.volumes).toEqual([liveVolume.name]);
      expect(own.containers).toHaveLength(1);
      await expect(docker.getContainer(liveContainer.id).inspect()).rejects.toMatchObject({
        statusCode: 404,
      });
    } finally {
      await docker
        .getContainer(liveContainer.id)
        .remove({ force: true })
        .catch(() => undefined);
      await docker
        .getVolume(liveVolume.name)
        .remove()
        .catch(() => undefined);
      await docker
        .getVolume(goneVolume.name)
        .remove()
        .catch(() => undefined);
    }
  });
});
