import type { S3ObjectEvent } from './parseS3Event';
import type { RenditionFacts } from '../../core/derivatives';
import type { Placeholders } from '../../core/engine/makeRenditions';

/**
 * The events the function publishes on EventBridge, one per outcome an application may act on: the
 * project's public contract with the applications that subscribe (docs/events.md describes each field).
 */
export const EVENT_SOURCE = 'thumbnailer';

export const DETAIL_TYPES = {
  ready: 'Thumbnails Ready',
  deleted: 'Thumbnails Deleted',
  rejected: 'Image Rejected',
} as const;

export type DetailType = (typeof DETAIL_TYPES)[keyof typeof DETAIL_TYPES];

export interface CompletionEvent {
  readonly detailType: DetailType;
  /** The object the event is about, as an S3 object ARN (EventBridge's `resources`). */
  readonly resource: string;
  readonly detail: CompletionDetail;
}

export interface CompletionDetail {
  readonly version: 1;
  readonly source: {
    readonly bucket: string;
    readonly key: string;
    readonly eTag?: string | undefined;
    readonly versionId?: string | undefined;
    readonly size?: number | undefined;
  };
  /** The S3 event handled: its name, and the sequencer that orders events of one key. */
  readonly s3Event: {
    readonly name: string;
    readonly sequencer?: string | undefined;
    readonly time?: string;
  };
  readonly thumbnailBucket: string;
  readonly renditions?: readonly RenditionFacts[];
  readonly placeholders?: Placeholders;
  /** Derivatives this delivery deleted (a repeated delivery deletes nothing more). */
  readonly removedKeys?: readonly string[];
  readonly reason?: string;
  readonly message?: string;
}

/** What an outcome says, for the event: each field is set only where the outcome has it. */
export interface EventFacts {
  readonly detailType: DetailType;
  readonly eTag?: string | undefined;
  readonly renditions?: readonly RenditionFacts[] | undefined;
  readonly placeholders?: Placeholders | undefined;
  readonly removedKeys?: readonly string[] | undefined;
  readonly reason?: string | undefined;
  readonly message?: string | undefined;
}

const defined = <T extends object>(fields: T): T =>
  Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as T;

/** The event for one handled S3 event. */
export function completionEvent(
  object: S3ObjectEvent,
  thumbnailBucket: string,
  facts: EventFacts,
): CompletionEvent {
  const detail: CompletionDetail = defined({
    version: 1 as const,
    source: defined({
      bucket: object.bucket,
      key: object.key,
      eTag: facts.eTag ?? object.eTag,
      versionId: object.versionId,
      size: facts.detailType === DETAIL_TYPES.deleted ? undefined : object.size,
    }),
    s3Event: defined({ name: object.eventName, sequencer: object.sequencer, time: object.eventTime }),
    thumbnailBucket,
    renditions: facts.renditions,
    placeholders: facts.placeholders,
    removedKeys: facts.removedKeys,
    reason: facts.reason,
    message: facts.message,
  });
  return { detailType: facts.detailType, resource: `arn:aws:s3:::${object.bucket}/${object.key}`, detail };
}

/** Where completion events go: EventBridge in Lambda, a JSON-lines log in `npm start`. */
export interface EventPublisher {
  publish(event: CompletionEvent): Promise<void>;
}
