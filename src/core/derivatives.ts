import { OUTPUT_FORMATS } from './engine/thumbnailOptions';
import { thumbnailKey } from './thumbnailKey';

/**
 * What the service derives from one source key, and how two S3 events of one key are ordered: the pure
 * half of "derivatives follow their original" (the function's processor does the requests).
 */

/**
 * Every key in the thumbnail bucket the service may have written for `sourceKey`: each configured output
 * in every format the engine writes (so a thumbnail made before THUMBNAIL_FORMAT changed is still found),
 * plus any a manifest lists. Removal checks each key's stamp before deleting it, so a key here that holds
 * someone else's object is left alone.
 */
export function derivativeKeys(
  sourceKey: string,
  thumbnailPrefix: string,
  listed: readonly string[] = [],
): string[] {
  const configured = Object.values(OUTPUT_FORMATS).map((format) =>
    thumbnailKey(sourceKey, thumbnailPrefix, format.extension),
  );
  return [...new Set([...configured, ...listed])];
}

/** Sequencers normalized to this many hex digits compare as plain strings (and in DynamoDB). */
const SEQUENCER_DIGITS = 32;

/**
 * An S3 sequencer in a form that sorts as S3 orders events of one key: upper case, right-padded with
 * zeros (S3's sequencers differ in length; S3 says to pad the shorter one with zeros, then compare
 * lexicographically). A missing or malformed sequencer sorts before every real one.
 */
export function normalizeSequencer(sequencer: string | undefined): string {
  const hex = /^[0-9a-f]{1,32}$/i.test(sequencer ?? '') ? (sequencer ?? '').toUpperCase() : '';
  return hex.padEnd(SEQUENCER_DIGITS, '0');
}

/** Negative when event `a` of a key happened before event `b`, positive after, 0 for the same event. */
export function compareSequencers(a: string | undefined, b: string | undefined): number {
  const [left, right] = [normalizeSequencer(a), normalizeSequencer(b)];
  return left < right ? -1 : left > right ? 1 : 0;
}

/** One stored rendition, as completion events and the metadata table describe it. */
export interface RenditionFacts {
  readonly name: string;
  readonly format: string;
  readonly key: string;
  readonly width: number;
  readonly height: number;
  readonly bytes: number;
  readonly contentType: string;
}

/** What events and the table keep of a stored rendition (a manifest entry, or a rendition just written). */
export const renditionFacts = ({
  name,
  format,
  key,
  width,
  height,
  bytes,
  contentType,
}: RenditionFacts): RenditionFacts => ({
  name,
  format,
  key,
  width,
  height,
  bytes,
  contentType,
});
