import { DEFAULT_THUMBNAIL_OPTIONS, settingsFingerprint } from '../../src/core/engine/thumbnailOptions';
import {
  checkRenditions,
  implicitRendition,
  parseRenditions,
  renditionFingerprint,
  renditionsFingerprint,
  type Rendition,
} from '../../src/core/renditions';

const problemsOf = (value: unknown) => {
  const parsed = checkRenditions(value);
  return parsed.ok ? [] : parsed.problems;
};

/** The renditions `value` describes, or a failed test naming its problems. */
const renditionsOf = (value: unknown): Rendition[] => {
  const parsed = checkRenditions(value);
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  return [...parsed.renditions];
};

const SQUARE = { name: 'square', width: 256, height: 256 };

describe('renditions: the schema', () => {
  it('fills every default in: inside, centre, one JPEG, sharp-style quality, white background', () => {
    expect(checkRenditions([SQUARE])).toEqual({
      ok: true,
      renditions: [
        {
          ...SQUARE,
          fit: 'inside',
          position: 'centre',
          formats: ['jpeg'],
          quality: { jpeg: 80, webp: 80, avif: 50 },
          background: '#ffffff',
        },
      ],
    });
  });

  it('reads the issue example as JSON, with a quality per format', () => {
    const parsed = parseRenditions(
      '[{"name":"square","width":256,"height":256,"fit":"cover","position":"attention","formats":["avif","webp","jpeg"],"quality":{"webp":70}},{"name":"card","width":640,"height":480,"formats":["webp"]}]',
    );
    expect(
      parsed.ok && parsed.renditions.map(({ name, formats, quality }) => ({ name, formats, quality })),
    ).toEqual([
      { name: 'square', formats: ['avif', 'webp', 'jpeg'], quality: { jpeg: 80, webp: 70, avif: 50 } },
      { name: 'card', formats: ['webp'], quality: { jpeg: 80, webp: 80, avif: 50 } },
    ]);
  });

  it.each<[string, unknown, string[]]>([
    [
      'not a list',
      { name: 'x' },
      [': must be a JSON list of renditions, such as [{"name":"square","width":256,"height":256}]'],
    ],
    ['an empty list', [], [': must hold at least one rendition']],
    [
      'a bad format',
      [SQUARE, { ...SQUARE, name: 'b', formats: ['png'] }],
      ['[1].formats[0]: must be one of jpeg, webp, avif'],
    ],
    [
      'a repeated format',
      [{ ...SQUARE, formats: ['webp', 'webp'] }],
      ['[0].formats: must not name a format twice'],
    ],
    ['no format', [{ ...SQUARE, formats: [] }], ['[0].formats: must name at least one format']],
    [
      'a repeated name',
      [SQUARE, { ...SQUARE }],
      ['[1].name: "square" is already the name of [0]: names must be unique'],
    ],
    [
      'a name that is not URL-safe',
      [{ ...SQUARE, name: '_manifests' }],
      [expect.stringMatching(/^\[0\]\.name: must be 1 to 32 characters of a-z, 0-9 and "-"/)],
    ],
    [
      'a missing width and a zero height',
      [{ name: 'x', height: 0 }],
      ['[0].width: is required: a whole number from 1 to 4096', '[0].height: must be at least 1'],
    ],
    ['a width given as text', [{ ...SQUARE, width: '256' }], ['[0].width: must be a whole number']],
    [
      'a crop position on an inside rendition',
      [{ ...SQUARE, position: 'attention' }],
      [expect.stringMatching(/^\[0\]\.position: applies only to fit "cover"/)],
    ],
    [
      'a misspelt setting',
      [{ ...SQUARE, fromats: ['webp'] }],
      [
        '[0]: unknown setting "fromats" (known: name, width, height, fit, position, formats, quality, background)',
      ],
    ],
    [
      'a quality for an unknown format',
      [{ ...SQUARE, quality: { png: 9 } }],
      ['[0].quality: unknown setting "png" (known: jpeg, webp, avif)'],
    ],
    [
      'a quality out of range',
      [{ ...SQUARE, quality: { avif: 0 } }],
      ['[0].quality.avif: must be a whole number from 1 to 100'],
    ],
    [
      'a bad background',
      [{ ...SQUARE, background: 'white' }],
      ['[0].background: must be a hex colour such as #ffffff'],
    ],
    [
      'seventeen renditions',
      Array.from({ length: 17 }, (_, index) => ({ ...SQUARE, name: `r${index}` })),
      [': must hold at most 16 renditions'],
    ],
  ])('names every bad entry: %s', (_name, value, problems) => {
    expect(problemsOf(value)).toEqual(problems);
  });

  it('names JSON that does not parse', () => {
    expect(parseRenditions('[{"name":')).toEqual({
      ok: false,
      problems: [expect.stringMatching(/^: is not valid JSON \(/)],
    });
  });
});

describe('renditions: fingerprints', () => {
  it('keeps the single thumbnail of before current: the implicit rendition has its exact fingerprint', () => {
    const options = { ...DEFAULT_THUMBNAIL_OPTIONS, format: 'webp' as const, quality: 70 };
    expect(renditionFingerprint(implicitRendition(options), 'webp')).toBe(settingsFingerprint(options));
  });

  it('changes only the rendition, and only the format, that changed', () => {
    const [a, b] = renditionsOf([
      { ...SQUARE, formats: ['jpeg', 'webp'] },
      { ...SQUARE, name: 'card' },
    ]) as [Rendition, Rendition];
    const requality: Rendition = { ...a, quality: { jpeg: 80, webp: 60, avif: 50 } };
    expect(renditionFingerprint(requality, 'jpeg')).toBe(renditionFingerprint(a, 'jpeg'));
    expect(renditionFingerprint(requality, 'webp')).not.toBe(renditionFingerprint(a, 'webp'));
    expect(renditionsFingerprint([a, b])).not.toBe(renditionsFingerprint([a]));
    const crop: Rendition = { ...a, fit: 'cover', position: 'attention' };
    expect(renditionFingerprint(crop, 'jpeg')).not.toBe(
      renditionFingerprint({ ...crop, position: 'centre' }, 'jpeg'),
    );
  });
});
