import { loadConfig } from '../../../src/function/config';
import {
  checkSmokeResponse,
  checkStoredThumbnail,
  type MadeThumbnail,
  SmokeTestFailedError,
  type StoredThumbnail,
} from '../../../src/tools/deploy/smokeCheck';

const made = {
  key: 'thumbnailer-canary/canary.jpg',
  status: 'made',
  durationMs: 41,
  outputKey: 'thumbnailer-canary/canary.jpg.jpg',
  output: { bytes: 5120, width: 256, height: 171, format: 'jpeg' },
};
const respond = (records: unknown[]) => ({ payload: JSON.stringify({ records }) });

describe('checkSmokeResponse', () => {
  it('returns the thumbnail the version made of the canary', () => {
    expect(checkSmokeResponse('7', respond([made]))).toEqual({
      outputKey: 'thumbnailer-canary/canary.jpg.jpg',
      durationMs: 41,
      bytes: 5120,
      width: 256,
      height: 171,
      format: 'jpeg',
    });
  });

  it.each([
    [
      'the function threw',
      {
        functionError: 'Unhandled',
        payload: JSON.stringify({ errorType: 'TransientFailureError', errorMessage: '1 record(s) failed' }),
        logTail: 'line 1\nline 2\n',
      },
      'version 7 failed the smoke test: the function threw (Unhandled) TransientFailureError: 1 record(s) failed\nlast log lines:\n  line 1\n  line 2',
    ],
    [
      'the runtime could not start it, with no JSON to show',
      { functionError: 'Unhandled', payload: 'Killed' },
      'version 7 failed the smoke test: the function threw (Unhandled) Killed',
    ],
    [
      'the canary was refused',
      respond([{ key: 'k', status: 'rejected', reason: 'corrupt', detail: 'VipsJpeg: premature end' }]),
      'version 7 failed the smoke test: the canary was rejected (corrupt): VipsJpeg: premature end, not made',
    ],
    [
      'the canary was skipped',
      respond([{ key: 'k', status: 'skipped', reason: 'not-source-bucket', detail: 'bucket x' }]),
      'version 7 failed the smoke test: the canary was skipped (not-source-bucket): bucket x, not made',
    ],
    [
      'no records',
      respond([]),
      'version 7 failed the smoke test: it answered {"records":[]}, not one record',
    ],
    ['two records', respond([made, made]), /it answered .*, not one record/],
    [
      'an answer that is not JSON',
      { payload: 'null' },
      'version 7 failed the smoke test: it answered null, not one record',
    ],
    [
      'an empty answer',
      { payload: '' },
      'version 7 failed the smoke test: it answered (nothing), not one record',
    ],
  ])('fails when %s', (_name, result, message) => {
    expect(() => checkSmokeResponse('7', result)).toThrow(SmokeTestFailedError);
    expect(() => checkSmokeResponse('7', result)).toThrow(message);
  });
});

describe('checkStoredThumbnail', () => {
  const config = loadConfig({ THUMBNAIL_BUCKET: 'thumbs' });
  const thumbnail: MadeThumbnail = { ...made.output, outputKey: made.outputKey, durationMs: 41 };
  const stored: StoredThumbnail = {
    contentLength: 5120,
    contentType: 'image/jpeg',
    stamp: { sourceKey: 'thumbnailer-canary%2Fcanary.jpg', sourceETag: 'abc', settings: 'x' },
  };

  it('accepts the thumbnail the version reported, made from this canary', () => {
    expect(() => {
      checkStoredThumbnail('7', thumbnail, stored, 'abc', config);
    }).not.toThrow();
  });

  it.each<[string, Partial<MadeThumbnail>, Partial<StoredThumbnail>, string]>([
    ['too wide', { width: 300 }, {}, 'it is 300x171, outside the 256x256 box'],
    ['empty', { width: 0 }, {}, 'it is 0x171, outside the 256x256 box'],
    ['another format', { format: 'webp' }, {}, 'it is webp, not jpeg'],
    ['a different size in S3', {}, { contentLength: 10 }, 'S3 holds 10 bytes, the function reported 5120'],
    [
      'the wrong Content-Type',
      {},
      { contentType: 'binary/octet-stream' },
      'its Content-Type is binary/octet-stream',
    ],
    [
      'made from another object',
      {},
      { stamp: undefined },
      "its stamp names source ETag undefined, not the canary's abc",
    ],
  ])('refuses a thumbnail that is %s', (_name, reported, inS3, problem) => {
    expect(() => {
      checkStoredThumbnail('7', { ...thumbnail, ...reported }, { ...stored, ...inS3 }, 'abc', config);
    }).toThrow(
      `version 7 failed the smoke test: the thumbnail s3://thumbs/thumbnailer-canary/canary.jpg.jpg is wrong: ${problem}`,
    );
  });
});
