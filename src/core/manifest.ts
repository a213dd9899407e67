import * as z from '../common/zod';

/**
 * The manifest of a source: one JSON object saying what was made from it, written after every rendition
 * it lists is stored, so that a reader that finds it knows each of them is there. The function stores it
 * at manifestKey() in the thumbnail bucket; the CLI at the same place under --out (with content digests,
 * which it uses to tell what is current, in place of S3's ETags and stamps).
 */
const renditionEntry = z.object({
  name: z.string(),
  format: z.string(),
  key: z.string(),
  width: z.number(),
  height: z.number(),
  bytes: z.number(),
  contentType: z.string(),
  /** renditionFingerprint() of the settings it was made with. */
  settings: z.string(),
  /** Of the output's bytes (the CLI's manifests: a file changed since is remade). */
  sha256: z.optional(z.string()),
});

const manifestSchema = z.object({
  version: z.literal(1),
  source: z.object({
    bucket: z.optional(z.string()),
    key: z.string(),
    versionId: z.optional(z.nullable(z.string())),
    eTag: z.optional(z.string()),
    /** The ETag of the version this one overwrote, when its renditions replaced another's (CDN invalidation). */
    replaces: z.optional(z.string()),
    /** Of the source's bytes (the CLI's manifests, where there is no ETag). */
    sha256: z.optional(z.string()),
    format: z.string(),
    width: z.number(),
    height: z.number(),
    bytes: z.number(),
  }),
  renditions: z.array(renditionEntry),
  placeholders: z.object({ thumbhash: z.string(), dominantColour: z.string() }),
  madeAt: z.string(),
});

export type Manifest = z.output<typeof manifestSchema>;
export type ManifestRendition = Manifest['renditions'][number];
export type ManifestSource = Manifest['source'];

export function buildManifest(
  source: ManifestSource,
  renditions: readonly ManifestRendition[],
  placeholders: Manifest['placeholders'],
  madeAt: Date,
): Manifest {
  return { version: 1, source, renditions: [...renditions], placeholders, madeAt: madeAt.toISOString() };
}

/** The manifest in `text`; undefined when it is not one (damaged, or of another version). */
export function readManifest(text: string): Manifest | undefined {
  try {
    const parsed = manifestSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** The manifest as it is stored: indented JSON with a final newline, easy to read with `cat`. */
export const manifestText = (manifest: Manifest): string => `${JSON.stringify(manifest, null, 2)}\n`;
