import { SOCKLAB_ROOT } from "../compose/compose-project.ts";

/** The compose file users run; the lab tests start this very file, never a copy. */
export const REPO_ROOT = SOCKLAB_ROOT;
export const COMPOSE_FILE_NAME = "docker-compose.yml";

/** Every compose project the tests start is named with this prefix, so leftovers can be found. */
export const TEST_PROJECT_PREFIX = "socklab-test-";

/** The label compose puts on everything it creates for a project. */
export const COMPOSE_PROJECT_LABEL = "com.docker.compose.project";
