import type { S3Client } from '@aws-sdk/client-s3';
import type { S3ObjectEvent } from '../../aws/events/parseS3Event';
import { stampFor } from '../../aws/s3/thumbnailStamp';
import { writeThumbnail } from '../../aws/s3/thumbnailStore';
import type { Renditions } from '../../core/engine/makeRenditions';
import { buildManifest, type Manifest, type ManifestRendition, manifestText } from '../../core/manifest';
import type { Config } from '../config';
import type { RenditionResult } from './recordOutcome';
import type { Plan, PlannedOutput, StoredState } from './renditionPlan';
import { duringStep } from './stepFailure';

/** What one upload needs written: its source, what the engine made of it, and what was already stored. */
export interface Written {
  readonly object: S3ObjectEvent;
  /** The ETag of the bytes the renditions were made from. */
  readonly eTag: string;
  readonly made: Renditions;
  readonly plan: Plan;
  readonly state: StoredState;
}

/** The engine's output for a planned one, if it made it this time. */
const outputFor = (made: Renditions, planned: PlannedOutput) =>
  made.outputs.find((output) => output.name === planned.rendition.name && output.format === planned.format);

/**
 * Stores every rendition made this time, side by side, each in one atomic PutObject with its own stamp.
 * Resolves with every planned output, made or current, in the plan's order.
 */
async function writeOutputs(s3: S3Client, config: Config, written: Written): Promise<RenditionResult[]> {
  const { object, eTag, made, plan, state } = written;
  return Promise.all(
    plan.outputs.map(async (planned): Promise<RenditionResult> => {
      const output = outputFor(made, planned);
      if (!output) {
        const current = state.current.get(planned.key);
        if (!current) throw new Error(`the engine made no ${planned.rendition.name}.${planned.format}`);
        return { ...current, made: false };
      }
      const { width, height, contentType, data, encodeMs } = output;
      const stamp = stampFor(object.key, eTag, planned.settings, { width, height });
      const location = { bucket: config.thumbnailBucket, key: planned.key };
      await duringStep('write-thumbnail', () =>
        writeThumbnail(s3, location, output, stamp, config.cacheControl),
      );
      const { name } = planned.rendition;
      const entry = { name, format: planned.format, key: planned.key, width, height, contentType };
      return { ...entry, bytes: data.length, settings: planned.settings, made: true, encodeMs };
    }),
  );
}

/** The ETag a stored manifest of another version had: this upload overwrote that one. */
export function replacedETag(state: StoredState, eTag: string): string | undefined {
  const previous = state.manifestETag;
  return previous !== undefined && previous !== '' && previous !== eTag ? previous : undefined;
}

const replaced = (state: StoredState, eTag: string) => {
  const previous = replacedETag(state, eTag);
  return previous === undefined ? {} : { replaces: previous };
};

/** The manifest of what is now stored: written only after every rendition in it is. */
function manifestOf(written: Written, renditions: readonly ManifestRendition[], madeAt: Date): Manifest {
  const { object, eTag, made } = written;
  const source = {
    bucket: object.bucket,
    key: object.key,
    versionId: object.versionId ?? null,
    eTag,
    ...replaced(written.state, eTag),
    ...made.input,
  };
  return buildManifest(source, renditions, made.placeholders, madeAt);
}

/**
 * Writes the renditions, then the manifest last, so that a reader that finds a manifest knows each
 * rendition it lists is stored. A failure part-way throws before the manifest is written: the retry finds
 * the renditions already written current and makes only the rest.
 */
export async function writeRenditions(
  s3: S3Client,
  config: Config,
  written: Written,
): Promise<RenditionResult[]> {
  const results = await writeOutputs(s3, config, written);
  const entries = results.map(({ name, format, key, width, height, bytes, contentType, settings }) => ({
    ...{ name, format, key, width, height },
    ...{ bytes, contentType, settings },
  }));
  const manifest = manifestOf(written, entries, new Date());
  const body = { data: Buffer.from(manifestText(manifest)), contentType: 'application/json' };
  const stamp = stampFor(written.object.key, written.eTag, written.plan.settings, {
    sourceVersionId: written.object.versionId,
  });
  const location = { bucket: config.thumbnailBucket, key: written.plan.manifestKey };
  // A manifest changes with every version: never cached for long, unlike the renditions.
  await duringStep('write-manifest', () => writeThumbnail(s3, location, body, stamp, 'no-cache'));
  return results;
}
