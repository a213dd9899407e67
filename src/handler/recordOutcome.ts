import type { RejectionReason } from '../engine/imageRejectedError';
import type { InputInfo } from '../engine/makeThumbnail';

/** Nothing to do, by design: not an error and nothing to retry. */
export type SkipReason =
  | 'not-object-created'
  | 'not-source-bucket'
  | 'outside-source-prefix'
  | 'recursion-guard'
  | 'source-is-thumbnail'
  | 'already-current'
  | 'superseded';

/** Permanent failures: logged once and never retried, since the same input always fails the same way. */
export type RejectReason = RejectionReason | 'source-gone';

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
