import { defineConfig } from "vitest/config";

// JUnit XML on request, for CI systems that read it: SOCKLAB_JUNIT=reports/junit.xml npm test.
// npm test runs `test:unit` then `test:lab`; each writes its own file (junit-unit.xml, junit-lab.xml).
const npmScript = process.env["npm_lifecycle_event"] ?? "";
const junitFile = process.env["SOCKLAB_JUNIT"]?.replace(
  /\.xml$/,
  npmScript.startsWith("test:") ? `-${npmScript.slice("test:".length)}.xml` : ".xml",
);

export default defineConfig({
  test: {
    reporters: junitFile ? ["default", "junit"] : ["default"],
    ...(junitFile ? { outputFile: { junit: junitFile } } : {}),
    projects: [
      {
        test: {
          name: "unit",
          include: [
            "{protocol,io,services,clients,cli,labkit,scripts,docs,bin,bench/report,bench/soak,web}/**/*.test.ts",
          ],
          exclude: ["**/*.lab.test.ts", "node_modules/**"],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: "lab",
          include: ["lab-tests/**/*.lab.test.ts"],
          globalSetup: ["lab-tests/support/global-setup.ts"],
          // testcontainers' reaper image cannot be pulled where no registry answers; the harness
          // cleans up itself (scoped disposal, and a sweep of test projects before and after a run).
          env: { TESTCONTAINERS_RYUK_DISABLED: process.env["TESTCONTAINERS_RYUK_DISABLED"] ?? "true" },
          // One engine, two cores: lab files run one after another, each with its own compose project.
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 600_000,
        },
      },
    ],
  },
});
