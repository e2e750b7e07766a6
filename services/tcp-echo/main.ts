import { readEnvInt } from "../runtime/read-env-int.ts";
import { createJsonLog } from "../runtime/json-log.ts";
import { runService } from "../runtime/run-service.ts";
import { startTcpEchoServer } from "./tcp-echo-server.ts";

const log = createJsonLog("tcp-echo");
const env = process.env;

await runService("tcp-echo", log, () =>
  startTcpEchoServer({
    host: env["SOCKLAB_HOST"] ?? "::",
    port: readEnvInt(env, "SOCKLAB_PORT", 7, { min: 0, max: 65_535 }),
    idleTimeoutMs: readEnvInt(env, "SOCKLAB_IDLE_TIMEOUT_MS", 300_000),
    maxConnections: readEnvInt(env, "SOCKLAB_MAX_CONNECTIONS", 1_024, { min: 1, max: 1_000_000 }),
    log,
  }),
);
