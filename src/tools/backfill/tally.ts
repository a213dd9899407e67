import { readResultString, type TaskOutcome } from '../../function/handlers/batchTaskResult';
import { exactCount } from '../../common/text';

const OUTCOMES: readonly TaskOutcome[] = ['made', 'skipped', 'refused', 'failed'];

/** Tasks counted by outcome, and skips, refusals and failures by reason: what every summary prints. */
export class Tally {
  readonly counts: Record<TaskOutcome, number> = { made: 0, skipped: 0, refused: 0, failed: 0 };
  private readonly reasons = new Map<TaskOutcome, Map<string, number>>();

  /** Counts one task from its result string; returns how it ended. */
  add(resultString: string, failureReason?: string): { outcome: TaskOutcome; reason?: string } {
    const read = readResultString(resultString);
    const reason = read.outcome === 'failed' ? (failureReason ?? read.reason) : read.reason;
    this.counts[read.outcome] += 1;
    if (reason !== undefined) {
      const byReason = this.reasons.get(read.outcome) ?? new Map<string, number>();
      byReason.set(reason, (byReason.get(reason) ?? 0) + 1);
      this.reasons.set(read.outcome, byReason);
    }
    return { outcome: read.outcome, ...(reason === undefined ? {} : { reason }) };
  }

  get total(): number {
    return OUTCOMES.reduce((sum, outcome) => sum + this.counts[outcome], 0);
  }

  /** `made 12`, `skipped 3 (already-current 2, folder-marker 1)`, ...: one line per outcome seen. */
  lines(): string[] {
    const width = Math.max(...OUTCOMES.map((outcome) => exactCount(this.counts[outcome]).length));
    return OUTCOMES.map((outcome) => {
      const byReason = [...(this.reasons.get(outcome) ?? new Map<string, number>())]
        .sort(([a, countA], [b, countB]) => countB - countA || a.localeCompare(b))
        .map(([reason, count]) => `${reason} ${exactCount(count)}`);
      const detail = byReason.length > 0 ? `  (${byReason.join(', ')})` : '';
      return `  ${outcome.padEnd(8)} ${exactCount(this.counts[outcome]).padStart(width)}${detail}`;
    });
  }
}
