import type { S3Client } from '@aws-sdk/client-s3';
import type { Config } from '../config';
import { derivativeKeys } from '../../core/derivatives';
import { OUTPUT_FORMATS, type OutputFormat } from '../../core/engine/thumbnailOptions';
import { manifestKey, renditionKey } from '../../core/thumbnailKey';
import { headSource, removeDerivatives, type SourceState } from '../../aws/s3/derivativeStore';
import type { RecordOutcome } from './recordOutcome';
import type { RenditionFacts } from '../../core/derivatives';
import { duringStep } from './stepFailure';

/** One version of a source key: what a pass works toward. */
export interface Version {
  readonly bucket: string;
  readonly key: string;
  /** Undefined only for events without one; the download then says which version it read. */
  readonly eTag: string | undefined;
  readonly size?: number | undefined;
  readonly versionId?: string | undefined;
  /** The sequencer of the event being handled: orders this record's writes to the metadata table. */
  readonly sequencer?: string | undefined;
}

/**
 * The optional metadata table (one item per source), as the processor sees it. Every write is
 * conditional on the event's sequencer, so that an older event never overwrites a newer item.
 */
export interface MetadataStore {
  /** Whether the item records this version (a missing or older item means: make it again). */
  isCurrent(version: Version): Promise<boolean>;
  /** Writes the item of a version whose renditions are all stored. */
  record(version: Version, renditions: readonly RenditionFacts[]): Promise<void>;
  /** Deletes the item unless a newer event wrote it. */
  remove(source: Version): Promise<void>;
}

export interface RecordDependencies {
  readonly s3: S3Client;
  readonly config: Config;
  readonly metadata?: MetadataStore | undefined;
}

/** What a pass found standing at the key (`eTag` undefined: a version that could not be named). */
export type Standing = { readonly kind: 'absent' } | { readonly kind: 'present'; readonly eTag?: string };

/** One pass's result: its outcome, whether it changed anything, and the source state it worked toward. */
export interface Pass {
  readonly outcome: RecordOutcome;
  readonly mutated: boolean;
  readonly standing: Standing;
}

export const readSource = (
  source: { readonly bucket: string; readonly key: string },
  deps: RecordDependencies,
): Promise<SourceState> => duringStep('check-source', () => headSource(deps.s3, source.bucket, source.key));

/** Whether what stands at the key now is what a pass worked toward. */
export function stillStanding(now: SourceState, standing: Standing): boolean {
  if (now.kind === 'absent' || standing.kind === 'absent') {
    return now.kind === standing.kind;
  }
  return standing.eTag !== undefined && now.eTag === standing.eTag;
}

/** Whether the source still holds `version` (checked before removing anything on its behalf). */
export async function sameVersion(version: Version, deps: RecordDependencies): Promise<boolean> {
  const now = await readSource(version, deps);
  return now.kind === 'present' && now.eTag === version.eTag;
}

/**
 * The keys the configured renditions may have written for `key`, in every format (a format dropped from
 * a rendition since is still found), and the manifest's.
 */
function configuredKeys(key: string, config: Config): string[] {
  const formats = Object.keys(OUTPUT_FORMATS) as OutputFormat[];
  const outputs = config.renditions.flatMap((rendition) =>
    formats.map((format) => renditionKey(key, rendition, format, config.thumbnailPrefix)),
  );
  return [...outputs, manifestKey(key, config.thumbnailPrefix)];
}

/** Deletes every derivative of `key` and its metadata item; returns the thumbnail keys deleted. */
export async function removeAll(source: Version, deps: RecordDependencies): Promise<string[]> {
  const { config } = deps;
  const keys = derivativeKeys(source.key, config.thumbnailPrefix, configuredKeys(source.key, config));
  const removed = await duringStep('remove-thumbnails', () =>
    removeDerivatives(deps.s3, config.thumbnailBucket, keys, source.key),
  );
  await duringStep('write-metadata', async () => deps.metadata?.remove(source));
  return removed;
}
