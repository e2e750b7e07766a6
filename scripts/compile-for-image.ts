// Run by the Dockerfile's service-js stage: turns the services' TypeScript into JavaScript once, at
// build time, so the containers run `node main.js`. Node's type stripping at start loads a compiler
// into every service process and every healthcheck: about 20 to 35 MiB of RSS and 2 to 4 times the
// start-up CPU (docs/benchmarks.md).
// Usage: node scripts/compile-for-image.ts DIR...   (converts in place: each x.ts becomes x.js)
import { readdir, readFile, rm, writeFile } from "node:fs/promises";
import { stripTypeScriptTypes } from "node:module";
import path from "node:path";

// A relative specifier ending in .ts, in `from "…"`, `import "…"` and `import("…")`.
const RELATIVE_TS_SPECIFIER = /((?:\bfrom|\bimport)\s*\(?\s*["'])(\.{1,2}\/[^"'\n]*?)\.ts(["'])/g;

/** The JavaScript for one file: types replaced by blanks (lines keep their numbers), imports to .js. */
export function compileSource(source: string): string {
  // "strip" is enough: tsconfig's erasableSyntaxOnly keeps enums and the like out of the code.
  const javascript = stripTypeScriptTypes(source, { mode: "strip" });
  return javascript.replace(RELATIVE_TS_SPECIFIER, "$1$2.js$3");
}

/** Converts every .ts file under `dir` in place; returns how many. Test files are removed. */
export async function compileTree(dir: string): Promise<number> {
  let count = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith(".ts")) continue;
    const file = path.join(entry.parentPath, entry.name);
    if (!entry.name.endsWith(".test.ts")) {
      await writeFile(file.replace(/\.ts$/, ".js"), compileSource(await readFile(file, "utf8")));
      count += 1;
    }
    await rm(file);
  }
  return count;
}

if (import.meta.main) {
  // The API is marked experimental in Node 24; its warning would only clutter the build's log.
  process.removeAllListeners("warning");
  for (const dir of process.argv.slice(2)) {
    process.stdout.write(`${dir}: ${await compileTree(dir)} files\n`);
  }
}
