/** One structured log line: what happened, to whom, with numbers a script can read. */
export type LogFields = Record<string, string | number | boolean | null | undefined>;

export type JsonLog = (event: string, fields?: LogFields) => void;

/** Writes one JSON object per line to `write` (stdout by default), stamped with time and service. */
export function createJsonLog(service: string, write: (line: string) => void = writeStdout): JsonLog {
  return (event, fields = {}) => {
    write(`${JSON.stringify({ time: new Date().toISOString(), service, event, ...fields })}\n`);
  };
}

function writeStdout(line: string): void {
  process.stdout.write(line);
}
