import cliProgress from "cli-progress";

export interface TransferProgress {
  update(doneBytes: number, totalBytes: number): void;
  /** Draws the last state and gives the terminal back (cursor shown); safe to call more than once. */
  stop(): void;
}

const MIB = 1024 * 1024;
const PLAIN_STEP_PERCENT = 10;
const UNKNOWN = "--";

/**
 * A progress bar (bytes, rate, ETA) when stderr is a terminal; otherwise one plain line per 10 %,
 * so that logs and scripts get a readable record instead of control characters. `nowMs` is the
 * clock the rate is measured with.
 */
export function createTransferProgress(
  label: string,
  stream: NodeJS.WriteStream = process.stderr,
  nowMs: () => number = () => performance.now(),
): TransferProgress {
  return stream.isTTY ? barProgress(label, stream, nowMs) : plainProgress(label, stream);
}

function barProgress(label: string, stream: NodeJS.WriteStream, nowMs: () => number): TransferProgress {
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: `${label} [{bar}] {percentage}% | {doneMiB}/{totalMiB} MiB | {rate} | ETA {timeLeft}`,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  // The first update is where this transfer started: bytes an earlier one moved (a resume) are not
  // part of its rate.
  let start: { ms: number; bytes: number } | undefined;
  return {
    update(doneBytes, totalBytes) {
      const now = nowMs();
      const started = start !== undefined;
      start ??= { ms: now, bytes: doneBytes };
      const seconds = (now - start.ms) / 1000;
      const bytesPerSecond = seconds > 0 ? (doneBytes - start.bytes) / seconds : undefined;
      const payload = {
        doneMiB: (doneBytes / MIB).toFixed(1),
        totalMiB: (totalBytes / MIB).toFixed(1),
        rate:
          bytesPerSecond === undefined ? `${UNKNOWN} MiB/s` : `${(bytesPerSecond / MIB).toFixed(1)} MiB/s`,
        timeLeft: formatEta(totalBytes - doneBytes, bytesPerSecond),
      };
      // An empty file is complete from the start: 1 of 1, not 0 of 1.
      const [value, max] = totalBytes === 0 ? [1, 1] : [doneBytes, totalBytes];
      if (started) bar.update(value, payload);
      else bar.start(max, value, payload);
    },
    stop: () => bar.stop(),
  };
}

function formatEta(remainingBytes: number, bytesPerSecond: number | undefined): string {
  if (remainingBytes <= 0) return "0s";
  if (bytesPerSecond === undefined || bytesPerSecond <= 0) return UNKNOWN;
  const seconds = Math.ceil(remainingBytes / bytesPerSecond);
  const two = (n: number) => String(n).padStart(2, "0");
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${two(seconds % 60)}s`;
  return `${Math.floor(seconds / 3600)}h${two(Math.floor(seconds / 60) % 60)}m`;
}

function plainProgress(label: string, stream: NodeJS.WriteStream): TransferProgress {
  let nextPercent = 0;
  return {
    update(doneBytes, totalBytes) {
      const percent = totalBytes === 0 ? 100 : Math.floor((doneBytes / totalBytes) * 100);
      if (percent < nextPercent) return;
      stream.write(`${label}: ${percent}% (${doneBytes} of ${totalBytes} bytes)\n`);
      nextPercent = percent - (percent % PLAIN_STEP_PERCENT) + PLAIN_STEP_PERCENT;
    },
    stop: () => undefined,
  };
}
