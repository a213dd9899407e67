import type { Placeholders } from '../../core/engine/makeRenditions';
import type { InputInfo } from '../../core/engine/makeThumbnail';
import type { ManifestRendition } from '../../core/manifest';
import { type RejectionReason } from '../../common/errors';

/** Nothing to do, by design: not an error and nothing to retry. */
export type SkipReason = keyof typeof SKIP_SEVERITY;

/**
 * How loudly each skip is logged. `warn`: an event the notification should not have sent, or an object
 * that vanished (a wrong key decoding would look like that too), worth a look when it keeps happening.
 * `info`: the pipeline working as designed.
 */
export const SKIP_SEVERITY = {
  'not-object-change': 'warn',
  'not-source-bucket': 'warn',
  'outside-source-prefix': 'warn',
  'source-gone': 'warn',
  'folder-marker': 'info',
  'recursion-guard': 'info',
  'source-is-thumbnail': 'info',
  'already-current': 'info',
  superseded: 'info',
  'source-exists': 'info',
} as const satisfies Record<string, 'info' | 'warn'>;

/** Permanent failures: logged once and never retried, since the same input always fails the same way. */
export type RejectReason = RejectionReason;

/** One rendition in one format of a record: made this time, or already current (and left alone). */
export type RenditionResult = ManifestRendition & {
  readonly made: boolean;
  /** How long its resize and encode took, when made. */
  readonly encodeMs?: number;
};

/** What a record was made into: its input's facts, its first rendition's (the thumbnail), and all of them. */
export interface Made {
  /** The first rendition's key: with RENDITIONS unset, the one thumbnail's. */
  readonly outputKey: string;
  readonly input: InputInfo;
  readonly output: {
    readonly bytes: number;
    readonly width: number;
    readonly height: number;
    readonly format: string;
  };
  readonly renditions?: readonly RenditionResult[];
  /** Where the manifest, written last, is. */
  readonly manifestKey?: string;
}

/** Every field an outcome may carry, so that a reader can ask any outcome for any of them. */
type Fields = Partial<Made> & {
  readonly reason?: SkipReason | RejectReason;
  readonly detail?: string;
  readonly error?: unknown;
  /** Derivatives this record deleted: a removed source's, or a refused overwrite's predecessor's. */
  readonly removedKeys?: readonly string[];
  /** The source version the outcome is about (a removal's may be the version that stands now). */
  readonly sourceETag?: string;
  /** An upload that overwrote another version's renditions: that version's ETag (the CDN invalidates them). */
  readonly replacedETag?: string;
  /** The placeholders made with the renditions (thumbhash, dominant colour). */
  readonly placeholders?: Placeholders;
};

/**
 * What happened to one record: made, derivatives deleted with their source, skipped by design, rejected
 * for good, or failed for now (the event is retried). The processor resolves with the first three and throws for the last, which the handler
 * records with the error it caught.
 */
export type RecordOutcome = Fields &
  (
    | ({ readonly status: 'made' } & Made)
    | {
        readonly status: 'skipped';
        readonly reason: SkipReason;
        readonly detail: string;
        /** Set when a thumbnail exists for the object: `already-current` skips. */
        readonly outputKey?: string;
      }
    | { readonly status: 'deleted'; readonly removedKeys: readonly string[]; readonly detail: string }
    | { readonly status: 'rejected'; readonly reason: RejectReason; readonly detail: string }
    | { readonly status: 'failed'; readonly detail: string; readonly error?: unknown }
  );

/** A record's outcome, with the key it was for and how long it took: what the handler returns. */
export type RecordResult = RecordOutcome & { readonly key: string; readonly durationMs: number };

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

/** The outcome with `removedKeys` added (left out when nothing was removed). */
export const withRemoved = (outcome: RecordOutcome, removedKeys: readonly string[]): RecordOutcome =>
  outcome.status === 'deleted' || removedKeys.length === 0 ? outcome : { ...outcome, removedKeys };
