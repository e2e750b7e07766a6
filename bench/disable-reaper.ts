// Imported first by main.ts: testcontainers' reaper image cannot be pulled where no registry answers,
// so the bench cleans up itself (scoped disposal), as the lab tests do.
process.env["TESTCONTAINERS_RYUK_DISABLED"] ??= "true";
