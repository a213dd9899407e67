import { exactBytes, exactCount } from '../../common/text';
import { makeThumbnail, type Thumbnail } from '../../core/engine/makeThumbnail';
import { OUTPUT_FORMATS } from '../../core/engine/thumbnailOptions';
import { thumbnailKey } from '../../core/thumbnailKey';
import { renditionFacts } from '../../core/derivatives';
import { downloadSource, type SourceDownload } from '../../aws/s3/downloadSource';
import { stampFor } from '../../aws/s3/thumbnailStamp';
import { readStoredStamp, type ThumbnailLocation, writeThumbnail } from '../../aws/s3/thumbnailStore';
import type { Config } from '../config';
import { type RecordOutcome, rejected, skipped } from './recordOutcome';
import { duringStep } from './stepFailure';
import { isImageRejectedError } from '../../common/errors';
import { type Pass, type RecordDependencies, type Version, removeAll, sameVersion } from './passes';

export const overLimit = (what: string, bytes: number, limit: number) =>
  `${what} ${exactBytes(bytes)}, above the ${exactCount(limit)}-byte limit`;

/** Where the thumbnail of `key` goes with the configured settings. */
export function outputFor(key: string, config: Config): ThumbnailLocation {
  const { extension } = OUTPUT_FORMATS[config.thumbnail.format];
  return { bucket: config.thumbnailBucket, key: thumbnailKey(key, config.thumbnailPrefix, extension) };
}

async function isCurrent(version: Version, output: ThumbnailLocation, deps: RecordDependencies) {
  if (version.eTag === undefined) {
    return false;
  }
  const stored = await duringStep('check-thumbnail', () => readStoredStamp(deps.s3, output));
  if (stored?.sourceETag !== version.eTag || stored.settings !== deps.settings) {
    return false;
  }
  return (await duringStep('read-metadata', async () => deps.metadata?.isCurrent(version))) ?? true;
}

/** The thumbnail, or the permanent rejection the engine gave the bytes. */
async function renderOrReject(body: Buffer, config: Config): Promise<Thumbnail | RecordOutcome> {
  try {
    return await makeThumbnail(body, config.thumbnail, config.inputLimits);
  } catch (error) {
    if (isImageRejectedError(error)) {
      return rejected(error.reason, error.message);
    }
    throw error;
  }
}

function downloadSkip(
  download: Exclude<SourceDownload, { kind: 'downloaded' | 'too-large' }>,
): RecordOutcome {
  switch (download.kind) {
    case 'gone':
      return skipped('source-gone', 'the object was deleted after this event was sent; nothing to thumbnail');
    case 'superseded':
      return skipped('superseded', 'the object was overwritten after this event; its own event covers it');
    case 'is-thumbnail':
      return skipped('source-is-thumbnail', 'the object is a thumbnail written by this service');
  }
}

/** S3 may not declare a length (or declare a wrong one); the download stops at the limit either way. */
function tooLargeDetail(bytes: number, limit: number): string {
  return bytes > limit
    ? overLimit('object is', bytes, limit)
    : `object passed the ${exactCount(limit)}-byte limit while downloading (S3 declared ${exactBytes(bytes)})`;
}

/**
 * A refused version's outcome: the refusal, and the derivatives of whatever the key held before removed,
 * since no thumbnail may stand for content that is gone. `confirmed` says the source was seen holding
 * this version (downloaded); otherwise it is checked first, so that a late event never removes the
 * thumbnails of a newer upload.
 */
async function refuse(
  version: Version,
  refusal: RecordOutcome,
  confirmed: boolean,
  deps: RecordDependencies,
): Promise<Pass> {
  const standing = { kind: 'present', eTag: version.eTag } as const;
  if (!confirmed && !(await sameVersion(version, deps))) {
    return { outcome: { ...refusal, sourceETag: version.eTag }, mutated: false, standing };
  }
  const removedKeys = await removeAll(version, deps);
  const outcome = { ...refusal, ...(version.eTag === undefined ? {} : { sourceETag: version.eTag }) };
  return {
    outcome: removedKeys.length === 0 ? outcome : { ...outcome, removedKeys },
    mutated: removedKeys.length > 0,
    standing,
  };
}

/**
 * One pass over one version of a source: skipped when its thumbnail is current or it is gone, refused
 * (removing its predecessor's derivatives), or made. Rejects only for failures worth retrying.
 */
export async function makeFromUpload(version: Version, deps: RecordDependencies): Promise<Pass> {
  const { config, s3 } = deps;
  const limit = config.thumbnail.maxInputBytes;
  if (version.size !== undefined && version.size > limit) {
    return refuse(version, rejected('too-large', overLimit('object is', version.size, limit)), false, deps);
  }
  const output = outputFor(version.key, config);
  const unchanged = { mutated: false, standing: { kind: 'present', eTag: version.eTag } } as const;
  if (await isCurrent(version, output, deps)) {
    const detail = `${output.key} was already made from this version with these settings`;
    return { ...unchanged, outcome: skipped('already-current', detail, output.key) };
  }
  const download = await duringStep('download-source', () => downloadSource(s3, version, limit));
  if (download.kind === 'too-large') {
    return refuse(version, rejected('too-large', tooLargeDetail(download.bytes, limit)), true, deps);
  }
  if (download.kind !== 'downloaded') {
    return { ...unchanged, outcome: downloadSkip(download) };
  }
  const thumbnail = await renderOrReject(download.body, config);
  if ('status' in thumbnail) {
    return refuse(version, thumbnail, true, deps);
  }
  return store({ ...version, eTag: version.eTag ?? download.eTag }, output, thumbnail, deps);
}

/** Writes the thumbnail, then its metadata item: the made outcome. */
async function store(
  version: Version,
  output: ThumbnailLocation,
  thumbnail: Thumbnail,
  deps: RecordDependencies,
): Promise<Pass> {
  const stamp = stampFor(version.key, version.eTag ?? '', deps.settings);
  await duringStep('write-thumbnail', () =>
    writeThumbnail(deps.s3, output, thumbnail, stamp, deps.config.cacheControl),
  );
  const { width, height, format } = thumbnail;
  const outcome = {
    status: 'made',
    sourceETag: version.eTag,
    outputKey: output.key,
    input: thumbnail.input,
    output: { bytes: thumbnail.data.length, width, height, format },
  } as const;
  const facts = renditionFacts(output.key, format, { width, height }, thumbnail.data.length);
  await duringStep('write-metadata', async () => deps.metadata?.record(version, [facts]));
  return { outcome, mutated: true, standing: { kind: 'present', eTag: version.eTag } };
}
