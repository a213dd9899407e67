import type { WriteStream } from 'node:tty';

/** The widest bar drawn, in cells between the brackets; a wider terminal gets no wider bar. */
const MAX_BAR = 30;
/** Below this many cells for the bar, a bar says nothing: the line is only the counter. */
const MIN_BAR = 5;

/**
 * The progress line for `done` of `total` on a terminal `columns` wide: `[####    ] 3/10` when it fits,
 * else `3/10`, else nothing. It never reaches the last column, where a terminal wraps, so each redraw
 * overwrites the line instead of scrolling fragments down the screen.
 */
export function progressLine(done: number, total: number, columns: number): string {
  const counter = `${done}/${total}`;
  const room = columns - 1;
  const bar = Math.min(MAX_BAR, room - counter.length - 3);
  if (bar >= MIN_BAR) {
    const filled = total === 0 ? bar : Math.round((done / total) * bar);
    return `[${'#'.repeat(filled)}${' '.repeat(bar - filled)}] ${counter}`;
  }
  return counter.length <= room ? counter : '';
}

/** A one-line progress bar on a terminal, redrawn in place; `clear` removes it before other output. */
export class ProgressBar {
  private done = 0;

  constructor(
    private readonly stream: WriteStream,
    private readonly total: number,
  ) {}

  tick(): void {
    this.done += 1;
    this.draw();
  }

  clear(): void {
    this.stream.clearLine(0);
    this.stream.cursorTo(0);
  }

  /** Fitted to the terminal's width as it is now: a resized window gets a line that fits it. */
  draw(): void {
    this.clear();
    this.stream.write(progressLine(this.done, this.total, this.stream.columns || 80));
  }
}
