import type { S3Client } from '@aws-sdk/client-s3';
import type { Config } from '../config';
import { exactBytes, exactCount } from '../../common/text';
import { makeRenditions, type Renditions } from '../../core/engine/makeRenditions';
import type { Rendition } from '../../core/renditions';
import type { S3ObjectEvent } from '../../aws/events/parseS3Event';
import { isThumbnailOutputKey } from '../../core/thumbnailKey';
import { downloadSource, type SourceDownload } from '../../aws/s3/downloadSource';
import { type RecordOutcome, type RenditionResult, rejected, skipped } from './recordOutcome';
import { type Plan, planFor, readStoredState, stillToMake } from './renditionPlan';
import { duringStep } from './stepFailure';
import { writeRenditions } from './writeRenditions';
import { isImageRejectedError } from '../../common/errors';

export interface RecordDependencies {
  readonly s3: S3Client;
  readonly config: Config;
}

/** Reasons to leave an object alone that need no request at all. */
export function precheck(object: S3ObjectEvent, config: Config): RecordOutcome | undefined {
  if (!object.eventName.startsWith('ObjectCreated:')) {
    return skipped('not-object-created', `event ${object.eventName} does not create an object`);
  }
  if (config.sourceBucket !== undefined && object.bucket !== config.sourceBucket) {
    return skipped(
      'not-source-bucket',
      `bucket ${object.bucket} is not the source bucket ${config.sourceBucket}`,
    );
  }
  if (!object.key.startsWith(config.sourcePrefix)) {
    return skipped('outside-source-prefix', `key is not under the source prefix "${config.sourcePrefix}"`);
  }
  if (object.bucket === config.thumbnailBucket && isThumbnailOutputKey(object.key, config.thumbnailPrefix)) {
    return skipped('recursion-guard', `key is under the thumbnail prefix "${config.thumbnailPrefix}"`);
  }
  if (object.key.endsWith('/')) {
    return skipped('folder-marker', folderMarkerDetail(object.size));
  }
  const { maxInputBytes } = config.thumbnail;
  if (object.size !== undefined && object.size > maxInputBytes) {
    return rejected('too-large', overLimit('object is', object.size, maxInputBytes));
  }
  return undefined;
}

/**
 * A key ending in "/" is what the S3 console's "Create folder" writes (zero bytes), and what every S3
 * tool lists as a folder: never an image anyone can open, whatever it holds.
 */
function folderMarkerDetail(size: number | undefined): string {
  const holding = size ? ` (it holds ${exactBytes(size)}, which S3 tools hide behind the folder)` : '';
  return `the key ends in "/": a folder marker, not an image${holding}`;
}

const overLimit = (what: string, bytes: number, limit: number) =>
  `${what} ${exactBytes(bytes)}, above the ${exactCount(limit)}-byte limit`;

function downloadFailure(
  download: Exclude<SourceDownload, { kind: 'downloaded' }>,
  limit: number,
): RecordOutcome {
  switch (download.kind) {
    case 'gone':
      return skipped('source-gone', 'the object was deleted after this event was sent; nothing to thumbnail');
    case 'superseded':
      return skipped('superseded', 'the object was overwritten after this event; its own event covers it');
    case 'is-thumbnail':
      return skipped('source-is-thumbnail', 'the object is a thumbnail written by this service');
    case 'too-large':
      // S3 may not declare a length (or declare a wrong one); the download stops at the limit either way.
      return rejected(
        'too-large',
        download.bytes > limit
          ? overLimit('object is', download.bytes, limit)
          : `object passed the ${exactCount(limit)}-byte limit while downloading (S3 declared ${exactBytes(download.bytes)})`,
      );
  }
}

/** Every rendition still to make, or the permanent rejection the engine gave the bytes. */
async function renderOrReject(
  body: Buffer,
  renditions: readonly Rendition[],
  config: Config,
): Promise<Renditions | RecordOutcome> {
  try {
    return await makeRenditions(body, renditions, { ...config.thumbnail, ...config.inputLimits });
  } catch (error) {
    if (isImageRejectedError(error)) {
      return rejected(error.reason, error.message);
    }
    throw error;
  }
}

/** The outcome of a record made: the first rendition stands for "the thumbnail" in logs and tools. */
function madeOutcome(made: Renditions, renditions: readonly RenditionResult[], plan: Plan): RecordOutcome {
  const [first] = renditions;
  const output = first
    ? { bytes: first.bytes, width: first.width, height: first.height, format: first.format }
    : { bytes: 0, width: 0, height: 0, format: '' };
  const outputKey = first?.key ?? plan.manifestKey;
  return { status: 'made', outputKey, input: made.input, output, renditions, manifestKey: plan.manifestKey };
}

const alreadyCurrent = (plan: Plan): RecordOutcome =>
  skipped(
    'already-current',
    `${describeCount(plan.outputs.length)} and the manifest were already made from this version with these settings`,
    plan.outputs[0]?.key,
  );

const describeCount = (outputs: number) => (outputs === 1 ? 'the thumbnail' : `all ${outputs} renditions`);

/**
 * Makes the renditions of one object-created event that are not current yet (HEAD and stamp per
 * rendition and format), then its manifest. Resolves with what happened for every expected case,
 * including permanent failures; rejects only for failures worth retrying (S3 errors, network), with a
 * `StepFailedError` that names the call that failed.
 */
export async function processRecord(object: S3ObjectEvent, deps: RecordDependencies): Promise<RecordOutcome> {
  const { config, s3 } = deps;
  const early = precheck(object, config);
  if (early) {
    return early;
  }
  const plan = planFor(object.key, config);
  const state = await readStoredState(object, plan, s3, config.thumbnailBucket);
  const toMake = stillToMake(plan, state);
  if (toMake.length === 0 && state.manifestCurrent) {
    return alreadyCurrent(plan);
  }
  const { maxInputBytes } = config.thumbnail;
  const download = await duringStep('download-source', () => downloadSource(s3, object, maxInputBytes));
  if (download.kind !== 'downloaded') {
    return downloadFailure(download, maxInputBytes);
  }
  const made = await renderOrReject(download.body, toMake, config);
  if ('status' in made) {
    return made;
  }
  const eTag = object.eTag ?? download.eTag;
  const renditions = await writeRenditions(s3, config, { object, eTag, made, plan, state });
  return madeOutcome(made, renditions, plan);
}
