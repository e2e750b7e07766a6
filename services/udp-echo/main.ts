import { readEnvInt } from "../runtime/read-env-int.ts";
import { createJsonLog } from "../runtime/json-log.ts";
import { runService } from "../runtime/run-service.ts";
import { startUdpEchoServer } from "./udp-echo-server.ts";

const log = createJsonLog("udp-echo");
const env = process.env;

await runService("udp-echo", log, () =>
  startUdpEchoServer({
    host: env["SOCKLAB_HOST"] ?? "::",
    port: readEnvInt(env, "SOCKLAB_PORT", 7, { min: 0, max: 65_535 }),
    log,
  }),
);
