import { exactBytes, exactCount } from '../../common/text';
import { makeRenditions, type Renditions } from '../../core/engine/makeRenditions';
import type { Rendition } from '../../core/renditions';
import { renditionFacts } from '../../core/derivatives';
import { downloadSource, type SourceDownload } from '../../aws/s3/downloadSource';
import { readDerivative, removeDerivatives } from '../../aws/s3/derivativeStore';
import { readManifest } from '../../core/manifest';
import type { Config } from '../config';
import { type RecordOutcome, type RenditionResult, rejected, skipped } from './recordOutcome';
import { type Plan, planFor, readStoredState, stillToMake, type StoredState } from './renditionPlan';
import { duringStep } from './stepFailure';
import { replacedETag, writeRenditions } from './writeRenditions';
import { isImageRejectedError } from '../../common/errors';
import { type Pass, type RecordDependencies, type Version, removeAll, sameVersion } from './passes';

const overLimit = (what: string, bytes: number, limit: number) =>
  `${what} ${exactBytes(bytes)}, above the ${exactCount(limit)}-byte limit`;

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

/** The outcome of a record made: the first rendition stands for "the thumbnail" in logs and tools. */
function madeOutcome(
  made: Renditions,
  renditions: readonly RenditionResult[],
  plan: Plan,
  eTag: string,
  replaced: string | undefined,
) {
  const [first] = renditions;
  const output = first
    ? { bytes: first.bytes, width: first.width, height: first.height, format: first.format }
    : { bytes: 0, width: 0, height: 0, format: '' };
  const outputKey = first?.key ?? plan.manifestKey;
  const { input, placeholders } = made;
  return {
    status: 'made',
    sourceETag: eTag,
    outputKey,
    input,
    output,
    renditions,
    manifestKey: plan.manifestKey,
    placeholders,
    ...(replaced === undefined ? {} : { replacedETag: replaced }),
  } as const;
}

const describeCount = (outputs: number) => (outputs === 1 ? 'the thumbnail' : `all ${outputs} renditions`);

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
  const outcome = { ...refusal, ...(version.eTag === undefined ? {} : { sourceETag: version.eTag }) };
  if (!confirmed && !(await sameVersion(version, deps))) {
    return { outcome, mutated: false, standing };
  }
  const removedKeys = await removeAll(version, deps);
  return {
    outcome: removedKeys.length === 0 ? outcome : { ...outcome, removedKeys },
    mutated: removedKeys.length > 0,
    standing,
  };
}

/**
 * The keys the stored manifest lists that this configuration no longer makes (a rendition or a format
 * dropped): removed once the new manifest is written. Only keys under the thumbnail prefix, never the
 * source's own key, and removeDerivatives deletes only objects whose stamp names this source.
 */
async function droppedKeys(
  sourceKey: string,
  plan: Plan,
  state: StoredState,
  deps: RecordDependencies,
): Promise<string[]> {
  // A current manifest lists nothing dropped; none stored (a first upload) leaves nothing to read back.
  if (state.manifestCurrent || state.manifestETag === undefined) return [];
  const { config } = deps;
  const stored = await duringStep('check-thumbnail', () =>
    readDerivative(deps.s3, config.thumbnailBucket, plan.manifestKey),
  );
  const previous = stored === undefined ? undefined : readManifest(stored.toString('utf8'));
  const kept = new Set([...plan.outputs.map((output) => output.key), plan.manifestKey]);
  const keys = previous?.renditions.map((entry) => entry.key) ?? [];
  return keys.filter((key) => !kept.has(key) && key !== sourceKey && key.startsWith(config.thumbnailPrefix));
}

/** Whether every rendition, the manifest and (with a table) the item are current for this version. */
async function isCurrent(version: Version, plan: Plan, deps: RecordDependencies) {
  const object = { ...version, eventName: 'ObjectCreated:Put' };
  const state = await readStoredState(object, plan, deps.s3, deps.config.thumbnailBucket);
  const toMake = stillToMake(plan, state);
  if (toMake.length > 0 || !state.manifestCurrent || version.eTag === undefined) {
    return { state, toMake, current: false };
  }
  const item = await duringStep('read-metadata', async () => deps.metadata?.isCurrent(version));
  return { state, toMake, current: item ?? true };
}

/**
 * One pass over one version of a source: skipped when its renditions are current or it is gone, refused
 * (removing its predecessor's derivatives), or made (only the renditions not current, then the manifest,
 * then the table's item). Rejects only for failures worth retrying.
 */
export async function makeFromUpload(version: Version, deps: RecordDependencies): Promise<Pass> {
  const { config, s3 } = deps;
  const limit = config.thumbnail.maxInputBytes;
  if (version.size !== undefined && version.size > limit) {
    return refuse(version, rejected('too-large', overLimit('object is', version.size, limit)), false, deps);
  }
  const plan = planFor(version.key, config);
  const { state, toMake, current } = await isCurrent(version, plan, deps);
  const unchanged = { mutated: false, standing: { kind: 'present', eTag: version.eTag } } as const;
  if (current) {
    const detail = `${describeCount(plan.outputs.length)} and the manifest were already made from this version with these settings`;
    return { ...unchanged, outcome: skipped('already-current', detail, plan.outputs[0]?.key) };
  }
  const download = await duringStep('download-source', () => downloadSource(s3, version, limit));
  if (download.kind === 'too-large') {
    return refuse(version, rejected('too-large', tooLargeDetail(download.bytes, limit)), true, deps);
  }
  if (download.kind !== 'downloaded') {
    return { ...unchanged, outcome: downloadSkip(download) };
  }
  const made = await renderOrReject(download.body, toMake, config);
  if ('status' in made) {
    return refuse(version, made, true, deps);
  }
  const eTag = version.eTag ?? download.eTag;
  const object = { ...version, eTag, eventName: 'ObjectCreated:Put' };
  const dropped = await droppedKeys(version.key, plan, state, deps);
  const renditions = await writeRenditions(s3, config, { object, eTag, made, plan, state });
  await duringStep('remove-thumbnails', () =>
    removeDerivatives(s3, config.thumbnailBucket, dropped, version.key),
  );
  const facts = renditions.map(renditionFacts);
  await duringStep('write-metadata', async () => deps.metadata?.record({ ...version, eTag }, facts));
  return {
    outcome: madeOutcome(made, renditions, plan, eTag, replacedETag(state, eTag)),
    mutated: true,
    standing: { kind: 'present', eTag },
  };
}
