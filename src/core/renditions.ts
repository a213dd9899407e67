import * as z from '../common/zod';
import {
  fingerprint,
  OUTPUT_FORMATS,
  type OutputFormat,
  type ThumbnailOptions,
} from './engine/thumbnailOptions';

/**
 * Renditions: every size and format a product needs from one upload. This module owns their schema and
 * defaults, for the function's configuration (RENDITIONS), `npm start`, the CLI (--renditions), the bench
 * and the Terraform variable's tests; it is pure (no I/O).
 */

export const FORMAT_NAMES = Object.keys(OUTPUT_FORMATS) as [OutputFormat, ...OutputFormat[]];

/** Encoder quality when a rendition does not set its own (AVIF's scale runs lower for the same look). */
export const DEFAULT_QUALITY: Readonly<Record<OutputFormat, number>> = { jpeg: 80, webp: 80, avif: 50 };

/** At most this many renditions: each is an encode and a PUT per format, in one invocation. */
export const MAX_RENDITIONS = 16;

const FIELDS = ['name', 'width', 'height', 'fit', 'position', 'formats', 'quality', 'background'];

/** A whole number from `min` to `max`, as JSON gives it (no strings: "256" is a typo worth naming). */
const pixels = z.number({
  error: (issue) =>
    issue.input === undefined ? 'is required: a whole number from 1 to 4096' : 'must be a whole number',
});
const boxSide = pixels.check(
  z.int('must be a whole number'),
  z.minimum(1, 'must be at least 1'),
  z.maximum(4096, 'must be at most 4096'),
);
const quality = z
  .number('must be a whole number from 1 to 100')
  .check(
    z.int('must be a whole number from 1 to 100'),
    z.minimum(1, 'must be a whole number from 1 to 100'),
    z.maximum(100, 'must be a whole number from 1 to 100'),
  );

const renditionSchema = z
  .strictObject({
    name: z
      .string('is required: a name such as "square"')
      .check(
        z.regex(
          /^[a-z0-9][a-z0-9-]{0,31}$/,
          'must be 1 to 32 characters of a-z, 0-9 and "-", starting with a letter or digit (it is part of every key)',
        ),
      ),
    width: boxSide,
    height: boxSide,
    fit: z._default(z.enum(['inside', 'cover'], 'must be one of inside, cover'), 'inside'),
    position: z.optional(
      z.enum(['centre', 'attention', 'entropy'], 'must be one of centre, attention, entropy'),
    ),
    formats: z._default(
      z
        .array(z.enum(FORMAT_NAMES, `must be one of ${FORMAT_NAMES.join(', ')}`), 'must be a list of formats')
        .check(
          z.minLength(1, 'must name at least one format'),
          z.refine((formats) => new Set(formats).size === formats.length, 'must not name a format twice'),
        ),
      ['jpeg'],
    ),
    quality: z._default(
      z.strictObject({ jpeg: z.optional(quality), webp: z.optional(quality), avif: z.optional(quality) }),
      {},
    ),
    background: z._default(
      z.string().check(z.regex(/^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i, 'must be a hex colour such as #ffffff')),
      '#ffffff',
    ),
  })
  .check(
    z.refine((rendition) => rendition.position === undefined || rendition.fit === 'cover', {
      message: 'applies only to fit "cover" (an "inside" rendition is never cropped)',
      path: ['position'],
    }),
  );

const renditionListSchema = z
  .array(
    renditionSchema,
    'must be a JSON list of renditions, such as [{"name":"square","width":256,"height":256}]',
  )
  .check(
    z.minLength(1, 'must hold at least one rendition'),
    z.maxLength(MAX_RENDITIONS, `must hold at most ${MAX_RENDITIONS} renditions`),
    z.superRefine((list, context) => {
      list.forEach((rendition, index) => {
        const first = list.findIndex((other) => other.name === rendition.name);
        if (first !== index) {
          context.addIssue({
            code: 'custom',
            message: `"${rendition.name}" is already the name of [${first}]: names must be unique`,
            path: [index, 'name'],
            input: rendition.name,
          });
        }
      });
    }),
  );

type ParsedRendition = z.output<typeof renditionSchema>;

/** One rendition, with every default filled in. */
export interface Rendition {
  readonly name: string;
  readonly width: number;
  readonly height: number;
  readonly fit: 'inside' | 'cover';
  /** Where a `cover` crop keeps the picture: the centre, or sharp's smart crops. */
  readonly position: 'centre' | 'attention' | 'entropy';
  readonly formats: readonly OutputFormat[];
  readonly quality: Readonly<Record<OutputFormat, number>>;
  readonly background: string;
  /**
   * The rendition made when RENDITIONS is not set, from THUMBNAIL_*: its keys have no rendition folder,
   * so an existing deployment keeps exactly its keys.
   */
  readonly implicit?: true;
}

const complete = (parsed: ParsedRendition): Rendition => ({
  ...parsed,
  position: parsed.position ?? 'centre',
  quality: { ...DEFAULT_QUALITY, ...parsed.quality },
});

/** `[1].formats[0]` for the issue's path: the place in the list a message names. */
function where(path: readonly PropertyKey[]): string {
  return path.map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`)).join('');
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((key) => JSON.stringify(key)).join(', ');
    const known = issue.path.at(-1) === 'quality' ? FORMAT_NAMES : FIELDS;
    return `${where(issue.path)}: unknown setting ${keys} (known: ${known.join(', ')})`;
  }
  return `${where(issue.path)}: ${issue.message}`;
}

/** Renditions, or every problem with them, each naming its place: `[1].formats[0]: must be one of ...`. */
export type RenditionsParse =
  | { readonly ok: true; readonly renditions: readonly Rendition[] }
  | { readonly ok: false; readonly problems: readonly string[] };

/** Reads renditions from their JSON text (the RENDITIONS variable, the CLI's --renditions). */
export function parseRenditions(text: string): RenditionsParse {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, problems: [`: is not valid JSON (${(error as Error).message})`] };
  }
  return checkRenditions(json);
}

/** Checks renditions given as values (code, tests, the bench). */
export function checkRenditions(value: unknown): RenditionsParse {
  const parsed = renditionListSchema.safeParse(value);
  if (!parsed.success) {
    return { ok: false, problems: parsed.error.issues.map(describeIssue) };
  }
  return { ok: true, renditions: parsed.data.map(complete) };
}

/** The one rendition an unconfigured deployment makes: today's thumbnail, at today's keys. */
export function implicitRendition(options: ThumbnailOptions): Rendition {
  const { width, height, fit, format, quality, background } = options;
  return {
    name: 'thumbnail',
    width,
    height,
    fit,
    position: 'centre',
    formats: [format],
    quality: { ...DEFAULT_QUALITY, [format]: quality },
    background,
    implicit: true,
  };
}

/**
 * A short, stable digest of what shapes one rendition in one format, stored on the object so that an
 * object made with other settings is not taken for a current one. Changing one rendition (or one format's
 * quality) changes only its own. The implicit rendition's is exactly the single thumbnail's of before,
 * so an existing deployment's thumbnails stay current.
 */
export function renditionFingerprint(rendition: Rendition, format: OutputFormat): string {
  const { width, height, fit, position, background } = rendition;
  const shape: unknown[] = [width, height, fit, format, rendition.quality[format], background.toLowerCase()];
  if (fit === 'cover' && position !== 'centre') {
    shape.push(position);
  }
  return fingerprint(shape);
}

/** A digest of the whole list: a manifest made with another list is not current. */
export function renditionsFingerprint(renditions: readonly Rendition[]): string {
  const parts = renditions.flatMap((rendition) =>
    rendition.formats.map((format) => [
      rendition.name,
      rendition.implicit === true,
      renditionFingerprint(rendition, format),
    ]),
  );
  return fingerprint(parts);
}

/** `square 256x256 cover/attention avif,webp,jpeg`: one rendition in a line of text. */
export function describeRendition(rendition: Rendition): string {
  const crop = rendition.fit === 'cover' && rendition.position !== 'centre' ? `/${rendition.position}` : '';
  return `${rendition.name} ${rendition.width}x${rendition.height} ${rendition.fit}${crop} ${rendition.formats.join(',')}`;
}
