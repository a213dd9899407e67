import type { OutputFormat } from '../engine/thumbnailOptions';
import type { Rendition } from '../renditions';
import { parseRenditionKey } from '../thumbnailKey';

/** What the on-demand origin needs of the configuration to read a path. */
export interface OriginLayout {
  readonly renditions: readonly Rendition[];
  readonly thumbnailPrefix: string;
  readonly sourcePrefix: string;
}

/** Why a path names nothing the origin may make; each is answered as a plain 404. */
export type OriginPathRefusal =
  'not-a-path' | 'bad-encoding' | 'not-a-rendition' | 'outside-source-prefix' | 'dot-segment' | 'folder';

/** A path read: the stored key asked for, and the rendition, format and source it is made from. */
export type OriginPath =
  | {
      readonly ok: true;
      readonly storedKey: string;
      readonly rendition: Rendition;
      readonly format: OutputFormat;
      readonly sourceKey: string;
    }
  | { readonly ok: false; readonly reason: OriginPathRefusal };

// The same test as the viewer-request function's: `.` and `..` segments, which some HTTP stacks resolve.
const DOT_SEGMENT = /(^|\/)\.\.?(\/|$)/;

const refused = (reason: OriginPathRefusal): OriginPath => ({ ok: false, reason });

function decodeOnce(encoded: string): string | undefined {
  try {
    return decodeURIComponent(encoded);
  } catch {
    return undefined;
  }
}

/**
 * Reads the path CloudFront forwards to the on-demand origin after the viewer-request rewrite: `/` and
 * the stored rendition's key, percent-encoded (decoded exactly once, so `%252F` is the three characters
 * `%2F` of a key, never a slash). Only a key the configured layout gives a rendition of a source under
 * the source prefix is accepted: anything else, however it is spelt, names nothing the origin may make.
 */
export function parseOriginPath(path: string, layout: OriginLayout): OriginPath {
  // A query string never names an object (the viewer function drops it; a direct caller may not).
  const [encoded = ''] = path.split('?', 1);
  if (!encoded.startsWith('/')) return refused('not-a-path');
  const storedKey = decodeOnce(encoded.slice(1));
  if (storedKey === undefined) return refused('bad-encoding');
  const parts = parseRenditionKey(storedKey, layout.renditions, layout.thumbnailPrefix);
  if (!parts) return refused('not-a-rendition');
  const { rendition, format, sourceKey } = parts;
  if (!sourceKey.startsWith(layout.sourcePrefix)) return refused('outside-source-prefix');
  if (DOT_SEGMENT.test(sourceKey)) return refused('dot-segment');
  if (sourceKey.endsWith('/')) return refused('folder');
  return { ok: true, storedKey, rendition, format, sourceKey };
}

/**
 * The CDN URL path of one rendition in one format (`/<rendition>.<ext>/<source key>`): where a response
 * too large for the function is sent, so that CloudFront serves the stored object from S3.
 */
export function explicitFormatPath(
  rendition: { name: string },
  extension: string,
  sourceKey: string,
): string {
  return `/${rendition.name}.${extension}/${sourceKey.split('/').map(encodeURIComponent).join('/')}`;
}
