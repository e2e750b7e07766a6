import readline from "node:readline";

/** No tour step takes this long: a script left behind by a tour that died ends by itself. */
const MAX_LIFETIME_MS = 120_000;

export interface ScriptIo {
  /** One JSON event on stdout, read by the tour (cli/tour/start-workbench-script.ts). */
  emit(event: string, fields?: Record<string, unknown>): void;
  /** The next line on stdin: the tour sends one once it has shown the socket tables. */
  nextLine(): Promise<string>;
}

/**
 * The stdin and stdout of a tour script run in the workbench. `title` is what socket tables show
 * as the program of its sockets. When stdin ends (the tour is gone), the script exits.
 */
export function createScriptIo(title: string): ScriptIo {
  process.title = title;
  setTimeout(() => {
    process.stderr.write(`${title}: still running after ${MAX_LIFETIME_MS} ms, exiting\n`);
    process.exit(3);
  }, MAX_LIFETIME_MS).unref();
  const lines = readline.createInterface({ input: process.stdin })[Symbol.asyncIterator]();
  return {
    emit: (event, fields = {}) => process.stdout.write(`${JSON.stringify({ event, ...fields })}\n`),
    async nextLine() {
      const next = await lines.next();
      if (next.done === true) process.exit(0);
      return next.value;
    },
  };
}
