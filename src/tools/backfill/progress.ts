import { exactCount } from '../../common/text';

/** How far a backfill is: tasks done (succeeded and failed) of the total, after `elapsedMs`. */
export interface Progress {
  readonly succeeded: number;
  /** Refused for good (not an image, gone): counted apart from failures, as the summary counts them. */
  readonly refused?: number;
  readonly failed: number;
  readonly total: number;
  readonly elapsedMs: number;
}

/** `42 s`, `3 min 5 s`, `2 h 10 min`: how long, for a person. */
export function duration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) {
    return `${seconds} s`;
  }
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) {
    return `${minutes} min ${seconds % 60} s`;
  }
  const hours = Math.floor(minutes / 60);
  return hours < 48 ? `${hours} h ${minutes % 60} min` : `${Math.floor(hours / 24)} days ${hours % 24} h`;
}

/** Objects per second, or undefined before there is anything to measure. */
/** Tasks finished so far, whatever their outcome. */
const doneOf = (progress: Progress): number => progress.succeeded + (progress.refused ?? 0) + progress.failed;

export const rateOf = (progress: Progress): number | undefined => {
  const done = doneOf(progress);
  return progress.elapsedMs > 0 && done > 0 ? (done * 1000) / progress.elapsedMs : undefined;
};

const BAR_WIDTH = 24;

/** `[######      ] 1,200/4,800  succeeded 1,180  failed 20  36.4/s  ETA 1 min 39 s` */
export function progressLine(progress: Progress): string {
  const done = doneOf(progress);
  const filled =
    progress.total > 0 ? Math.min(BAR_WIDTH, Math.round((done / progress.total) * BAR_WIDTH)) : 0;
  const rate = rateOf(progress);
  const remaining = Math.max(0, progress.total - done);
  const eta = rate === undefined ? 'ETA -' : `ETA ${duration((remaining / rate) * 1000)}`;
  return [
    `[${'#'.repeat(filled)}${' '.repeat(BAR_WIDTH - filled)}] ${exactCount(done)}/${exactCount(progress.total)}`,
    `succeeded ${exactCount(progress.succeeded)}`,
    ...(progress.refused === undefined ? [] : [`refused ${exactCount(progress.refused)}`]),
    `failed ${exactCount(progress.failed)}`,
    rate === undefined ? '-/s' : `${rate.toFixed(1)}/s`,
    eta,
  ].join('  ');
}

/** Where progress goes: redrawn in place on a terminal, a line at a time (at most every `everyMs`) elsewhere. */
export class ProgressDisplay {
  private lastLineAt = 0;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly everyMs = 10_000,
  ) {}

  show(line: string): void {
    if (this.stream.isTTY) {
      this.stream.clearLine(0);
      this.stream.cursorTo(0);
      this.stream.write(line);
      return;
    }
    if (Date.now() - this.lastLineAt >= this.everyMs) {
      this.lastLineAt = Date.now();
      this.stream.write(`${line}\n`);
    }
  }

  /** Removes the in-place line, so that other output starts on a clean line. */
  clear(): void {
    if (this.stream.isTTY) {
      this.stream.clearLine(0);
      this.stream.cursorTo(0);
    }
  }
}
