import { createHash } from "node:crypto";

/** The image a learner's server runs in: the workbench's, which has python3 and node. */
export const LEARNER_SERVER_IMAGE = "socklab/workbench:latest";
/** Every container `socklab run` starts carries this label, and `socklab stop` removes only those. */
export const LEARNER_SERVER_LABEL = "org.socklab.run";
/** Where the learner's file or folder appears in its container, read-only. */
const CODE_DIR = "/app/learner";

export interface LearnerServerPort {
  port: number;
  protocol: "tcp" | "udp";
}

export interface LearnerServerFile {
  /** Where it is on the host (absolute). */
  hostPath: string;
  /** Where it goes under the code folder, with `/` between folders: `framing.py`, `lib/codec.py`. */
  relativePath: string;
}

export interface LearnerServerSpec {
  /** The compose project of the lab: the container joins it, so that status, netstat and down see it. */
  project: string;
  /** The lab's network on the engine, e.g. `socklab_labnet`. */
  network: string;
  /** Its name in the lab: the service name status shows, and the host name the workbench reaches. */
  name: string;
  /**
   * The learner's files, each mounted on its own (read-only) at its path under the code folder: the
   * engine opens each on the host, so a folder closed to others (mode 0700, as mkdtemp and many homes
   * make them) still serves its files to the container's unprivileged user.
   */
  files: readonly LearnerServerFile[];
  /** The file to run, as a path under the code folder, and the program that runs it, e.g. ["python3", "-u"]. */
  entryFile: string;
  interpreter: readonly string[];
  ports: readonly LearnerServerPort[];
}

// As tight as the lab's own services: no capabilities, a read-only root, an unprivileged user,
// bounded memory and processes; the standard ports below 1024 through the per-container sysctl.
const HARDENING = [
  "--read-only",
  "--tmpfs",
  "/tmp:size=16m",
  "--cap-drop",
  "ALL",
  "--security-opt",
  "no-new-privileges:true",
  "--user",
  "10001:10001",
  "--memory",
  "256m",
  "--pids-limit",
  "128",
  "--sysctl",
  "net.ipv4.ip_unprivileged_port_start=0",
  "--init",
] as const;

/** The container's name, as compose would name a service's first container. */
export function learnerServerContainerName(project: string, name: string): string {
  return `${project}-${name}-1`;
}

/** `docker run` arguments that start a learner's server in its own container on the lab network. */
export function learnerServerRunArgs(spec: LearnerServerSpec): string[] {
  // compose lists only containers that carry a config hash; any stable digest of the spec will do.
  const configHash = createHash("sha256").update(JSON.stringify(spec)).digest("hex");
  return [
    "run",
    "--detach",
    "--name",
    learnerServerContainerName(spec.project, spec.name),
    // compose's own labels: `docker compose ps` lists it with the lab's services, `down` removes it.
    "--label",
    `com.docker.compose.project=${spec.project}`,
    "--label",
    `com.docker.compose.service=${spec.name}`,
    "--label",
    "com.docker.compose.container-number=1",
    "--label",
    "com.docker.compose.oneoff=False",
    "--label",
    `com.docker.compose.config-hash=${configHash}`,
    "--label",
    `${LEARNER_SERVER_LABEL}=true`,
    "--network",
    spec.network,
    "--network-alias",
    spec.name,
    "--hostname",
    spec.name,
    ...HARDENING,
    ...spec.ports.flatMap((p) => ["--expose", `${p.port}/${p.protocol}`]),
    ...spec.files.flatMap((file) => ["--volume", `${file.hostPath}:${CODE_DIR}/${file.relativePath}:ro`]),
    "--workdir",
    CODE_DIR,
    LEARNER_SERVER_IMAGE,
    ...spec.interpreter,
    spec.entryFile,
  ];
}
