import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { dockerClient } from "../../labkit/docker/docker-client.ts";
import { COMPOSE_PROJECT_LABEL } from "../../labkit/lab/lab-project.ts";
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
