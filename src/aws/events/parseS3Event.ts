import * as z from '../../common/zod';
import { unquoteETag } from '../s3/client';
import { InvalidEventError } from '../../common/errors';

/**
 * One object an S3 notification tells of, its key decoded: what the parser gives the handler, and what
 * the local stack and the tests build notifications from.
 */
export interface S3ObjectEvent {
  /** `ObjectCreated:Put`, `ObjectRemoved:Delete`, ... */
  readonly eventName: string;
  readonly bucket: string;
  readonly key: string;
  /** Size in bytes as S3 reported it; lets oversized objects be refused without a download. Not on removals. */
  readonly size?: number | undefined;
  /** The ETag of the object version that caused the event, without quotes. Not on removals. */
  readonly eTag?: string | undefined;
  /** The version the event is about, in a versioned bucket. */
  readonly versionId?: string | undefined;
  /** Orders the events of one key: a greater sequencer is a later event (compared as hex strings). */
  readonly sequencer?: string | undefined;
  /** When the event happened, as S3 writes it (ISO 8601). */
  readonly eventTime?: string | undefined;
  readonly region?: string | undefined;
  readonly sourceIp?: string | undefined;
}

/**
 * S3 event notifications carry object keys form-URL-encoded: a space arrives as `+`, a literal `+` as
 * `%2B`, and non-ASCII characters as percent-encoded UTF-8. Throws a URIError on malformed encoding.
 */
export function decodeS3Key(encodedKey: string): string {
  return decodeURIComponent(encodedKey.replace(/\+/g, ' '));
}

/** A key as S3 writes it into a notification: the inverse of {@link decodeS3Key}, `/` left as it is. */
export function encodeS3EventKey(key: string): string {
  return encodeURIComponent(key)
    .replace(/%2F/g, '/')
    .replace(/%20/g, '+')
    .replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}

export type ParsedS3Event =
  | { readonly kind: 'test'; readonly bucket: string }
  | { readonly kind: 'objects'; readonly objects: readonly S3ObjectEvent[] };

const encodedKeySchema = z.pipe(
  z.string(),
  z.transform((encoded: string, context) => {
    try {
      return decodeS3Key(encoded);
    } catch {
      context.issues.push({
        code: 'custom',
        message: `key is not valid URL encoding: ${JSON.stringify(encoded)}`,
        input: encoded,
      });
      return z.NEVER;
    }
  }),
);

const recordSchema = z.object({
  eventSource: z.literal('aws:s3'),
  eventName: z.string().check(z.minLength(1)),
  eventTime: z.optional(z.string()),
  awsRegion: z.optional(z.string()),
  s3: z.object({
    bucket: z.object({ name: z.string().check(z.minLength(1)) }),
    object: z.object({
      key: z.pipe(encodedKeySchema, z.string().check(z.minLength(1))),
      size: z.optional(z.int().check(z.nonnegative())),
      eTag: z.optional(z.string()),
      versionId: z.optional(z.string()),
      sequencer: z.optional(z.string()),
    }),
  }),
});

const notificationSchema = z.object({ Records: z.array(recordSchema) });

/** Sent once by S3 when a notification configuration is saved, to check that the target answers. */
const testEventSchema = z.object({ Event: z.literal('s3:TestEvent'), Bucket: z.string() });

function describe(error: z.core.$ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(event)'}: ${issue.message}`).join('; ');
}

/** Parses an S3 event notification (or S3's test event), or throws an {@link InvalidEventError}. */
export function parseS3Event(event: unknown): ParsedS3Event {
  const test = testEventSchema.safeParse(event);
  if (test.success) {
    return { kind: 'test', bucket: test.data.Bucket };
  }
  const parsed = notificationSchema.safeParse(event);
  if (!parsed.success) {
    throw new InvalidEventError(`not an S3 event notification: ${describe(parsed.error)}`);
  }
  const objects = parsed.data.Records.map(({ eventName, eventTime, awsRegion, s3 }) => ({
    eventName,
    bucket: s3.bucket.name,
    key: s3.object.key,
    size: s3.object.size,
    eTag: s3.object.eTag === undefined ? undefined : unquoteETag(s3.object.eTag),
    versionId: s3.object.versionId,
    sequencer: s3.object.sequencer,
    eventTime,
    region: awsRegion,
  }));
  return { kind: 'objects', objects };
}
