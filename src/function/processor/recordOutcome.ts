import type { InputInfo } from '../../core/engine/makeThumbnail';
import { type RejectionReason } from '../../common/errors';

/** Nothing to do, by design: not an error and nothing to retry. */
export type SkipReason = keyof typeof SKIP_SEVERITY;

/**
 * How loudly each skip is logged. `warn`: an event the notification should not have sent, or an object
 * that vanished (a wrong key decoding would look like that too), worth a look when it keeps happening.
 * `info`: the pipeline working as designed.
 */
export const SKIP_SEVERITY = {
  'not-object-created': 'warn',
  'not-source-bucket': 'warn',
  'outside-source-prefix': 'warn',
  'source-gone': 'warn',
  'folder-marker': 'info',
  'recursion-guard': 'info',
  'source-is-thumbnail': 'info',
  'already-current': 'info',
  superseded: 'info',
} as const satisfies Record<string, 'info' | 'warn'>;

/** Permanent failures: logged once and never retried, since the same input always fails the same way. */
export type RejectReason = RejectionReason;

export interface MadeOutcome {
  readonly status: 'made';
  readonly outputKey: string;
  readonly input: InputInfo;
  readonly output: {
    readonly bytes: number;
    readonly width: number;
    readonly height: number;
    readonly format: string;
  };
}

export type RecordOutcome =
  | MadeOutcome
  | {
      readonly status: 'skipped';
      readonly reason: SkipReason;
      readonly detail: string;
      /** Set when a thumbnail exists for the object: `already-current` skips. */
      readonly outputKey?: string;
    }
  | { readonly status: 'rejected'; readonly reason: RejectReason; readonly detail: string };

export const skipped = (reason: SkipReason, detail: string, outputKey?: string): RecordOutcome => ({
  status: 'skipped',
  reason,
  detail,
  ...(outputKey === undefined ? {} : { outputKey }),
});

export const rejected = (reason: RejectReason, detail: string): RecordOutcome => ({
  status: 'rejected',
  reason,
  detail,
});
