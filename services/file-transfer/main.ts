import { createJsonLog } from "../runtime/json-log.ts";
import { readEnvInt } from "../runtime/read-env-int.ts";
import { runService } from "../runtime/run-service.ts";
import { FILE_TRANSFER_DEFAULTS, startFileTransferServer } from "./file-transfer-server.ts";

const env = process.env;
const defaults = FILE_TRANSFER_DEFAULTS;
const log = createJsonLog("file-transfer");

await runService("file-transfer", log, () =>
  startFileTransferServer({
    log,
    host: env["SOCKLAB_HOST"] || defaults.host,
    port: readEnvInt(env, "SOCKLAB_PORT", defaults.port, { min: 0, max: 65_535 }),
    storeDir: env["SOCKLAB_STORE_DIR"] || defaults.storeDir,
    maxFileBytes: readEnvInt(env, "SOCKLAB_MAX_FILE_BYTES", defaults.maxFileBytes),
    minFreeBytes: readEnvInt(env, "SOCKLAB_MIN_FREE_BYTES", defaults.minFreeBytes),
    partialTtlMs: readEnvInt(env, "SOCKLAB_PARTIAL_TTL_MS", defaults.partialTtlMs),
    idleTimeoutMs: readEnvInt(env, "SOCKLAB_IDLE_TIMEOUT_MS", defaults.idleTimeoutMs, {
      min: 1,
      max: 2 ** 31 - 1,
    }),
    headerTimeoutMs: readEnvInt(env, "SOCKLAB_HEADER_TIMEOUT_MS", defaults.headerTimeoutMs, {
      min: 1,
      max: 2 ** 31 - 1,
    }),
    maxConnections: readEnvInt(env, "SOCKLAB_MAX_CONNECTIONS", defaults.maxConnections, {
      min: 1,
      max: 100_000,
    }),
  }),
);
