import fc from 'fast-check';
import { decodeS3Key } from '../../../src/aws/events/parseS3Event';
import { parseS3Event } from '../../../src/aws/events/parseS3Event';
import { s3Notification } from '../../../src/aws/events/s3Notification';
import { encodeS3EventKey } from '../../../src/aws/events/parseS3Event';
import { MAX_KEY_BYTES, thumbnailKey } from '../../../src/core/thumbnailKey';
import { reportFigures } from '../../support/reliabilityReport';
import { InvalidEventError } from '../../../src/common/errors';

/** More with FUZZ_RUNS=100000 (fast-check picks a new seed each run and prints it on failure). */
const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 3000);

/** How many inputs the properties below were tried on, for the reliability report. */
const tried = { inputs: 0, properties: 0 };

/** Checks a property, counting it and the inputs it was tried on. */
function check<Ts extends [unknown, ...unknown[]]>(property: fc.IProperty<Ts>, numRuns = FUZZ_RUNS): void {
  fc.assert(property, { numRuns });
  tried.properties += 1;
  tried.inputs += numRuns;
}

/** Any key S3 allows: 1 to 1,024 UTF-8 bytes of any characters (lone surrogates are not UTF-8). */
const s3Key = fc
  .string({ unit: 'grapheme', minLength: 1, maxLength: 300 })
  .filter((key) => Buffer.byteLength(key) <= MAX_KEY_BYTES);

/** What parsing may do with hostile input: succeed, or throw the one documented error. */
function parsesOrRefusesClearly(event: unknown): void {
  try {
    parseS3Event(event);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidEventError);
    expect((error as Error).message).toMatch(/^not an S3 event notification: /);
  }
}

/** A valid notification with one field replaced by anything at all. */
const mutatedNotification = fc
  .tuple(
    s3Key,
    fc.constantFrom(
      'Records',
      'eventSource',
      'eventName',
      's3',
      'bucket',
      'name',
      'object',
      'key',
      'size',
      'eTag',
    ),
    fc.anything({ withNullPrototype: true, withBigInt: true, withTypedArray: true, withSparseArray: true }),
  )
  .map(([key, field, value]) => {
    const event = structuredClone(
      s3Notification([{ bucket: 'uploads', key, eventName: 'ObjectCreated:Put', size: 1, eTag: 'e' }]),
    ) as unknown as Record<string, unknown>;
    replaceField(event, field, value);
    return event;
  });

function replaceField(node: unknown, field: string, value: unknown): void {
  if (typeof node !== 'object' || node === null) {
    return;
  }
  for (const [name, child] of Object.entries(node)) {
    if (name === field) {
      (node as Record<string, unknown>)[name] = value;
      return;
    }
    replaceField(child, field, value);
  }
}

describe('event parsing under fuzzing', () => {
  afterAll(async () => {
    await reportFigures('fuzz', tried);
  });

  it('decodes every key S3 can encode back to itself', () => {
    check(
      fc.property(s3Key, (key) => {
        expect(decodeS3Key(encodeS3EventKey(key))).toBe(key);
      }),
    );
  });

  it('decodes any string or throws a URIError, nothing else', () => {
    check(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (encoded) => {
        try {
          expect(typeof decodeS3Key(encoded)).toBe('string');
        } catch (error) {
          expect(error).toBeInstanceOf(URIError);
        }
      }),
    );
  });

  it('parses any value at all, or refuses it with an InvalidEventError', () => {
    check(fc.property(fc.anything({ withBigInt: true, withNullPrototype: true }), parsesOrRefusesClearly));
  });

  it('parses notifications with any one field replaced, or refuses them with an InvalidEventError', () => {
    check(fc.property(mutatedNotification, parsesOrRefusesClearly));
  });

  it('refuses malformed key encodings by name, with the key quoted', () => {
    check(
      fc.property(
        fc.constantFrom('%', '%E9', '%zz', '%C3%28', 'a%'),
        fc.string({ maxLength: 20 }),
        (bad, rest) => {
          const event = s3Notification([{ bucket: 'uploads', key: 'x', eventName: 'ObjectCreated:Put' }]);
          const record = event.Records[0];
          if (record) {
            record.s3.object.key = `${encodeS3EventKey(rest)}${bad}`;
          }
          expect(() => parseS3Event(event)).toThrow(/key is not valid URL encoding/);
        },
      ),
      500,
    );
  });

  it('turns every key into a thumbnail key S3 accepts, distinct for distinct keys', () => {
    check(
      fc.property(s3Key, s3Key, fc.constantFrom('', 'thumbnails/', 'é/'), (one, other, prefix) => {
        const [a, b] = [thumbnailKey(one, prefix, 'jpg'), thumbnailKey(other, prefix, 'jpg')];
        expect(Buffer.byteLength(a)).toBeLessThanOrEqual(MAX_KEY_BYTES);
        expect(a.startsWith(prefix) && a.endsWith('.jpg')).toBe(true);
        expect(a === b).toBe(one === other);
      }),
    );
  });
});
