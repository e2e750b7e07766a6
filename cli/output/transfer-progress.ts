import cliProgress from "cli-progress";

export interface TransferProgress {
  update(doneBytes: number, totalBytes: number): void;
  stop(): void;
}

const MIB = 1024 * 1024;
const PLAIN_STEP_PERCENT = 10;

/**
 * A progress bar (bytes, rate, ETA) when stderr is a terminal; otherwise one plain line per 10 %,
 * so that logs and scripts get a readable record instead of control characters.
 */
export function createTransferProgress(
  label: string,
  stream: NodeJS.WriteStream = process.stderr,
): TransferProgress {
  return stream.isTTY ? barProgress(label, stream) : plainProgress(label, stream);
}

function barProgress(label: string, stream: NodeJS.WriteStream): TransferProgress {
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: `${label} [{bar}] {percentage}% | {doneMiB}/{totalMiB} MiB | {rateMiBps} MiB/s | ETA {eta_formatted}`,
      hideCursor: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  const startedMs = performance.now();
  let started = false;
  return {
    update(doneBytes, totalBytes) {
      const payload = {
        doneMiB: (doneBytes / MIB).toFixed(1),
        totalMiB: (totalBytes / MIB).toFixed(1),
        rateMiBps: (doneBytes / MIB / Math.max(0.001, (performance.now() - startedMs) / 1000)).toFixed(1),
      };
      if (!started) bar.start(Math.max(1, totalBytes), doneBytes, payload);
      started = true;
      bar.update(doneBytes, payload);
    },
    stop: () => bar.stop(),
  };
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
