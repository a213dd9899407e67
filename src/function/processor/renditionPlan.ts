import type { S3ObjectEvent } from '../../aws/events/parseS3Event';
import { readStored, type StoredObject } from '../../aws/s3/thumbnailStore';
import type { OutputFormat } from '../../core/engine/thumbnailOptions';
import type { ManifestRendition } from '../../core/manifest';
import { type Rendition, renditionFingerprint, renditionsFingerprint } from '../../core/renditions';
import { manifestKey, renditionKey } from '../../core/thumbnailKey';
import type { Config } from '../config';
import { duringStep } from './stepFailure';
import type { S3Client } from '@aws-sdk/client-s3';

/** One object an upload becomes: a rendition in one format, where it goes and the stamp it carries. */
export interface PlannedOutput {
  readonly rendition: Rendition;
  readonly format: OutputFormat;
  readonly key: string;
  /** renditionFingerprint() of this rendition in this format. */
  readonly settings: string;
}

/** Everything an upload becomes, in the order of the renditions and of each one's formats, and its manifest. */
export interface Plan {
  readonly outputs: readonly PlannedOutput[];
  readonly manifestKey: string;
  /** renditionsFingerprint() of the whole list: a manifest made from another list is not current. */
  readonly settings: string;
}

export function planFor(sourceKey: string, config: Config): Plan {
  const outputs = config.renditions.flatMap((rendition) =>
    rendition.formats.map((format) => ({
      rendition,
      format,
      key: renditionKey(sourceKey, rendition, format, config.thumbnailPrefix),
      settings: renditionFingerprint(rendition, format),
    })),
  );
  return {
    outputs,
    manifestKey: manifestKey(sourceKey, config.thumbnailPrefix),
    settings: renditionsFingerprint(config.renditions),
  };
}

/** What is already stored and current: the manifest entries of current outputs, by key. */
export interface StoredState {
  readonly current: ReadonlyMap<string, ManifestRendition>;
  readonly manifestCurrent: boolean;
  /** The source ETag the stored manifest was made from, when there is one: another ETag means an overwrite. */
  readonly manifestETag?: string | undefined;
}

const NOTHING_STORED: StoredState = { current: new Map(), manifestCurrent: false };

/** The manifest entry of an output already stored with its stamp, when that stamp makes it current. */
function currentEntry(
  planned: PlannedOutput,
  stored: StoredObject | undefined,
  eTag: string,
): ManifestRendition | undefined {
  const stamp = stored?.stamp;
  // An object made before renditions has no size in its stamp: made again, so that a manifest can list it.
  if (!stored || !stamp || stamp.sourceETag !== eTag || stamp.settings !== planned.settings) return undefined;
  if (stamp.width === undefined || stamp.height === undefined) return undefined;
  const { name } = planned.rendition;
  const { width, height } = stamp;
  const { bytes, contentType } = stored;
  return {
    name,
    format: planned.format,
    key: planned.key,
    width,
    height,
    bytes,
    contentType,
    settings: planned.settings,
  };
}

/**
 * HEADs every output and the manifest (side by side: at most 48 small requests), comparing each stamp with
 * the event's ETag and the settings it would be made with. Without an ETag nothing counts as current.
 */
export async function readStoredState(
  object: S3ObjectEvent,
  plan: Plan,
  s3: S3Client,
  bucket: string,
): Promise<StoredState> {
  const { eTag } = object;
  if (eTag === undefined) return NOTHING_STORED;
  const head = (key: string) => duringStep('check-thumbnail', () => readStored(s3, { bucket, key }));
  const [manifest, ...outputs] = await Promise.all([
    head(plan.manifestKey),
    ...plan.outputs.map((planned) => head(planned.key)),
  ]);
  const current = new Map<string, ManifestRendition>();
  plan.outputs.forEach((planned, index) => {
    const entry = currentEntry(planned, outputs[index], eTag);
    if (entry) current.set(planned.key, entry);
  });
  const stamp = manifest?.stamp;
  return {
    current,
    manifestCurrent: stamp?.sourceETag === eTag && stamp.settings === plan.settings,
    manifestETag: stamp?.sourceETag,
  };
}

/** The renditions still to make, each with only the formats not current (none left: not listed). */
export function stillToMake(plan: Plan, state: StoredState): Rendition[] {
  const byName = new Map<string, { rendition: Rendition; formats: OutputFormat[] }>();
  for (const planned of plan.outputs.filter((output) => !state.current.has(output.key))) {
    const entry = byName.get(planned.rendition.name) ?? { rendition: planned.rendition, formats: [] };
    entry.formats.push(planned.format);
    byName.set(planned.rendition.name, entry);
  }
  return [...byName.values()].map(({ rendition, formats }) => ({ ...rendition, formats }));
}
