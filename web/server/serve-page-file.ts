import { readFile } from "node:fs/promises";
import path from "node:path";

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
};

export interface PageFile {
  body: Buffer;
  contentType: string;
}

/**
 * The bundle's file for a URL path (`/` is index.html), or undefined: only names of the bundle's
 * own shape, never a path out of it.
 */
export async function readPageFile(bundleDir: string, urlPath: string): Promise<PageFile | undefined> {
  const relative = urlPath === "/" ? "index.html" : urlPath.replace(/^\//, "");
  if (!/^(assets\/)?[A-Za-z0-9._-]+$/.test(relative) || relative.includes("..")) return undefined;
  const contentType = CONTENT_TYPES[path.extname(relative)];
  if (!contentType) return undefined;
  try {
    return { body: await readFile(path.join(bundleDir, relative)), contentType };
  } catch {
    return undefined;
  }
}
