import { readEnvInt } from "../runtime/read-env-int.ts";
import { createJsonLog } from "../runtime/json-log.ts";
import { runService } from "../runtime/run-service.ts";
import { CHAT_SERVER_DEFAULTS, startChatServer } from "./chat-server.ts";

const log = createJsonLog("chat");
const env = process.env;
const defaults = CHAT_SERVER_DEFAULTS;
const positive = { min: 1, max: 1_000_000_000 };

await runService("chat", log, () =>
  startChatServer({
    host: env["SOCKLAB_HOST"] ?? defaults.host,
    port: readEnvInt(env, "SOCKLAB_PORT", defaults.port, { min: 0, max: 65_535 }),
    maxConnections: readEnvInt(env, "SOCKLAB_MAX_CONNECTIONS", defaults.maxConnections, positive),
    maxQueueBytes: readEnvInt(env, "SOCKLAB_CHAT_MAX_QUEUE_BYTES", defaults.maxQueueBytes, positive),
    registrationTimeoutMs: readEnvInt(
      env,
      "SOCKLAB_CHAT_REGISTRATION_TIMEOUT_MS",
      defaults.registrationTimeoutMs,
      positive,
    ),
    pingIntervalMs: readEnvInt(env, "SOCKLAB_CHAT_PING_INTERVAL_MS", defaults.pingIntervalMs, positive),
    pingTimeoutMs: readEnvInt(env, "SOCKLAB_CHAT_PING_TIMEOUT_MS", defaults.pingTimeoutMs, positive),
    floodBurstLines: readEnvInt(env, "SOCKLAB_CHAT_FLOOD_BURST_LINES", defaults.floodBurstLines, positive),
    floodLinesPerSecond: readEnvInt(
      env,
      "SOCKLAB_CHAT_FLOOD_LINES_PER_SECOND",
      defaults.floodLinesPerSecond,
      positive,
    ),
    floodMaxWaitingLines: readEnvInt(
      env,
      "SOCKLAB_CHAT_FLOOD_MAX_WAITING_LINES",
      defaults.floodMaxWaitingLines,
      positive,
    ),
    log,
  }),
);
