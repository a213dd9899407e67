import type { WriteStream } from 'node:tty';

const WIDTH = 30;

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

  draw(): void {
    const filled = this.total === 0 ? WIDTH : Math.round((this.done / this.total) * WIDTH);
    this.clear();
    this.stream.write(`[${'#'.repeat(filled)}${' '.repeat(WIDTH - filled)}] ${this.done}/${this.total}`);
  }
}
