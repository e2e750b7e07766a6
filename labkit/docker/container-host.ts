import type Docker from "dockerode";

/** The engine a container runs on: a name for messages and the client that reaches it. */
export interface ContainerHost {
  /** The host's name in the hosts file, e.g. `h2`. */
  name: string;
  docker: Docker;
}
