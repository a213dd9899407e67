import type { RecordOutcome, SkipReason } from '../processor/recordOutcome';

/** How a Batch Operations task ended, as the job records it. */
export type BatchResultCode = 'Succeeded' | 'TemporaryFailure' | 'PermanentFailure';

export interface BatchTaskResult {
  readonly taskId: string;
  readonly resultCode: BatchResultCode;
  /** Ours, and parsed back by the backfill summary: see {@link readResultString}. */
  readonly resultString: string;
}

/**
 * Skips that are the pipeline working as designed, so the task succeeded: renditions already current, an
 * object overwritten meanwhile (its own upload event covers it), a folder marker. Every other skip names
 * an object the function will not touch here (outside the source prefix, our own output, deleted since
 * the manifest was made): a refusal, which the report lists with the failures.
 */
const SUCCEEDED_SKIPS: ReadonlySet<SkipReason> = new Set(['already-current', 'superseded', 'folder-marker']);

/** What the report keeps of a result string: S3 caps it, and a key can be 1,024 bytes on its own. */
const MAX_RESULT_CHARS = 1000;
const capped = (text: string) =>
  text.length <= MAX_RESULT_CHARS ? text : `${text.slice(0, MAX_RESULT_CHARS - 1)}…`;

/**
 * A record's outcome as a task's result: `made <key>` and `skipped <reason>: <detail>` succeed,
 * `refused <reason>: <detail>` fails for good (never retried: the same object fails the same way), and
 * `failed: <error>` fails for now, so that Batch Operations retries the task.
 */
export function batchTaskResult(taskId: string, outcome: RecordOutcome): BatchTaskResult {
  const result = (resultCode: BatchResultCode, text: string): BatchTaskResult => ({
    taskId,
    resultCode,
    resultString: capped(text),
  });
  switch (outcome.status) {
    case 'made':
      return result('Succeeded', `made ${madeText(outcome)}`);
    case 'skipped':
      return SUCCEEDED_SKIPS.has(outcome.reason)
        ? result('Succeeded', `skipped ${outcome.reason}: ${outcome.detail}`)
        : result('PermanentFailure', `refused ${outcome.reason}: ${outcome.detail}`);
    case 'rejected':
      return result('PermanentFailure', `refused ${outcome.reason}: ${outcome.detail}`);
    case 'failed':
      return result('TemporaryFailure', `failed: ${outcome.detail}`);
  }
}

/** The thumbnail's key; with several renditions, how many were made (the rest were already current). */
function madeText(outcome: RecordOutcome & { status: 'made' }): string {
  const renditions = outcome.renditions ?? [];
  const made = renditions.filter((rendition) => rendition.made).length;
  return renditions.length > 1
    ? `${made} of ${renditions.length} renditions, ${outcome.outputKey} first`
    : outcome.outputKey;
}

/** A task refused before any record flow: a key that is not a key. */
export const badKeyResult = (taskId: string, problem: string): BatchTaskResult => ({
  taskId,
  resultCode: 'PermanentFailure',
  resultString: capped(`refused bad-key: ${problem}`),
});

export type TaskOutcome = 'made' | 'skipped' | 'refused' | 'failed';

/**
 * A result string read back (from a completion report, or from the entry point in-process): the outcome,
 * and the reason for a skip or a refusal. Anything else (a Lambda error, a timeout: Batch Operations'
 * own words) is a failure, its reason the error's first words.
 */
export function readResultString(text: string): { readonly outcome: TaskOutcome; readonly reason?: string } {
  const match = /^(made|skipped|refused)(?: ([a-z][a-z-]*))?(?:[: ]|$)/.exec(text);
  if (match?.[1] === 'made') {
    return { outcome: 'made' };
  }
  if (match?.[1] !== undefined && match[2] !== undefined) {
    return { outcome: match[1] as TaskOutcome, reason: match[2] };
  }
  const failure = /^failed: (?:([a-z-]+) failed: )?([A-Za-z]+)/.exec(text);
  return { outcome: 'failed', reason: failure ? (failure[2] ?? 'error') : text.split(/[:\s]/)[0] || 'error' };
}
