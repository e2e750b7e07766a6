import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // Starting a stack builds and waits for health: minutes, not seconds, on a cold machine.
    hookTimeout: 300_000,
    testTimeout: 60_000,
    // testcontainers' reaper image may not be pullable (air-gapped CI); socklab's labs dispose themselves.
    env: { TESTCONTAINERS_RYUK_DISABLED: process.env.TESTCONTAINERS_RYUK_DISABLED ?? "true" },
  },
});
