// The live page's build: Preact components bundled by Vite into dist/page, which `socklab web`
// serves; nothing is fetched from elsewhere at run time.
import path from "node:path";
import { defineConfig } from "vite";

export default defineConfig({
  root: path.join(import.meta.dirname, "page"),
  base: "./",
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  logLevel: "warn",
  build: {
    outDir: path.join(import.meta.dirname, "..", "dist", "page"),
    emptyOutDir: true,
    assetsDir: "assets",
  },
});
