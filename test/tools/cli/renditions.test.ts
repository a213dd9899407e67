import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkRenditions, renditionFingerprint } from '../../../src/core/renditions';
import { readManifest } from '../../../src/core/manifest';
import { describeImage, photoJpeg } from '../../support/images';
import { type CliOptions, filesUnder, removeWorkFolder, thumbnailer, workFolder } from './cliHarness';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

const SQUARE = { name: 'square', width: 64, height: 64, fit: 'cover', formats: ['webp', 'jpeg'] };
const CARD = { name: 'card', width: 100, height: 80, formats: ['avif'] };
const HERO = { name: 'hero', width: 200, height: 200, formats: ['jpeg'] };

/** What the CLI writes for one input `key` with these renditions: the function's layout under --out. */
const layoutOf = (key: string, ...renditions: (typeof SQUARE | typeof CARD)[]) =>
  [
    `_manifests/${key}.json`,
    ...renditions.flatMap((rendition) =>
      rendition.formats.map((format) => `${rendition.name}/${key}.${format === 'jpeg' ? 'jpg' : format}`),
    ),
  ].sort();

/**
 * --renditions (and RENDITIONS) on the CLI: every rendition of every input in the function's key layout
 * under --out, a manifest per input written last, and only what is not current made again.
 */
describe('the thumbnailer command with renditions', () => {
  let work: string;
  const out = () => join(work, 'out');
  const run = (renditions: unknown[] | string, options: CliOptions = {}, ...flags: string[]) => {
    const value = typeof renditions === 'string' ? renditions : JSON.stringify(renditions);
    return thumbnailer(['in', '--out', 'out', '--renditions', value, ...flags], work, options);
  };
  const manifestOf = async (key: string) =>
    readManifest(await readFile(join(out(), '_manifests', `${key}.json`), 'utf8'));

  beforeEach(async () => {
    work = await workFolder('renditions');
    await mkdir(join(work, 'in', 'sub'), { recursive: true });
    await writeFile(join(work, 'in', 'a.jpg'), await photoJpeg(400, 300));
    await writeFile(join(work, 'in', 'sub', 'b.jpg'), await photoJpeg(300, 400, 2));
  });
  afterEach(() => removeWorkFolder(work));

  it('writes every rendition in every format, at the keys of the thumbnail bucket', async () => {
    const made = await run([SQUARE, CARD]);
    expect(made.stderr).toBe('');
    expect(made.code).toBe(0);
    expect(made.stdout).toBe(
      '2 made, 0 skipped, 0 failed\n' +
        'renditions square 64x64 cover webp,jpeg; card 100x80 inside avif: 6 files written, 0 already current\n',
    );
    expect(await filesUnder(out())).toEqual(
      [...layoutOf('a.jpg', SQUARE, CARD), ...layoutOf('sub/b.jpg', SQUARE, CARD)].sort(),
    );
    const look = async (key: string) => describeImage(await readFile(join(out(), key)));
    expect(await look('square/a.jpg.webp')).toMatchObject({ format: 'webp', width: 64, height: 64 });
    expect(await look('square/sub/b.jpg.jpg')).toMatchObject({ format: 'jpeg', width: 64, height: 64 });
    expect(await look('card/a.jpg.avif')).toMatchObject({ format: 'heif', width: 100, height: 75 });
    expect(await look('card/sub/b.jpg.avif')).toMatchObject({ width: 60, height: 80 });
  });

  it('writes a manifest per input listing the source, every rendition and the placeholders', async () => {
    await run([SQUARE, CARD]);
    const source = await readFile(join(work, 'in', 'a.jpg'));
    const manifest = await manifestOf('a.jpg');
    const parsed = checkRenditions([SQUARE]);
    const square = parsed.ok ? parsed.renditions[0] : undefined;
    if (!square) throw new Error('SQUARE is a valid rendition');
    const entry = async (name: string, format: string, key: string, width: number, height: number) => {
      const data = await readFile(join(out(), key));
      const contentType = format === 'jpeg' ? 'image/jpeg' : `image/${format}`;
      return { name, format, key, width, height, bytes: data.length, contentType, sha256: sha256(data) };
    };
    expect(manifest).toEqual({
      version: 1,
      source: {
        key: 'a.jpg',
        format: 'jpeg',
        width: 400,
        height: 300,
        bytes: source.length,
        sha256: sha256(source),
      },
      renditions: [
        {
          ...(await entry('square', 'webp', 'square/a.jpg.webp', 64, 64)),
          settings: renditionFingerprint(square, 'webp'),
        },
        {
          ...(await entry('square', 'jpeg', 'square/a.jpg.jpg', 64, 64)),
          settings: renditionFingerprint(square, 'jpeg'),
        },
        {
          ...(await entry('card', 'avif', 'card/a.jpg.avif', 100, 75)),
          settings: expect.stringMatching(/^v1-/),
        },
      ],
      placeholders: {
        thumbhash: expect.stringMatching(/^[A-Za-z0-9+/]+=*$/),
        dominantColour: expect.stringMatching(/^#[0-9a-f]{6}$/),
      },
      madeAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect((await manifestOf('sub/b.jpg'))?.source.key).toBe('sub/b.jpg');
  });

  it('reads the renditions from a file given as @file', async () => {
    await writeFile(join(work, 'renditions.json'), JSON.stringify([CARD], null, 2));
    const made = await run('@renditions.json');
    expect(made.code).toBe(0);
    expect(await filesUnder(out())).toEqual(
      [...layoutOf('a.jpg', CARD), ...layoutOf('sub/b.jpg', CARD)].sort(),
    );
  });

  it('reads an @file saved with a byte-order mark', async () => {
    await writeFile(join(work, 'bom.json'), `\uFEFF${JSON.stringify([CARD])}`);
    expect((await run('@bom.json')).code).toBe(0);
  });

  it('names bad renditions and bad flags in one usage error', async () => {
    const refused = await run([{ name: 'a', width: 0, height: 1 }], {}, '--max-input-bytes', '1e3');
    expect(refused.code).toBe(2);
    const line = refused.stderr.split('\n')[0] ?? '';
    expect(line).toContain('--max-input-bytes');
    expect(line).toContain('--renditions[0].width: must be at least 1');
  });

  it.each<[string, string, RegExp]>([
    [
      'a missing @file',
      '@missing.json',
      /--renditions @missing\.json: cannot read missing\.json: no such file$/m,
    ],
    ['@ alone', '@', /--renditions @<file>: the file name is missing/],
    ['JSON that does not parse', '[{"name":"square",', /--renditions: is not valid JSON \(/],
    ['an empty list', '[]', /--renditions: must hold at least one rendition/],
  ])('refuses %s as usage, writing nothing', async (_, value, message) => {
    const refused = await run(value);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(message);
    expect(refused.stdout).toBe('');
    await expect(stat(out())).rejects.toThrow(/ENOENT/);
  });

  it('names every bad entry in one usage error', async () => {
    const bad = [
      { name: 'Square', width: 0, height: 64 },
      { name: 'card', width: 10, height: 10, formats: ['gif'], sharpen: true },
    ];
    const refused = await run(bad);
    expect(refused.code).toBe(2);
    const line = refused.stderr.split('\n')[0] ?? '';
    expect(line).toContain('--renditions[0].name: must be 1 to 32 characters');
    expect(line).toContain('--renditions[0].width: must be at least 1');
    expect(line).toContain('--renditions[1]: unknown setting "sharpen"');
    expect(line).toContain('--renditions[1].formats[0]: must be one of jpeg, webp, avif');
    expect(refused.stderr).toContain('--help');
    const twice = await run([CARD, CARD]);
    expect(twice.stderr).toContain('--renditions[1].name: "card" is already the name of [0]');
  });

  it('refuses renditions with a single-thumbnail flag, naming the flags', async () => {
    const refused = await run([SQUARE], {}, '--width', '100', '--format', 'webp');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--renditions replaces --width, --format');
  });

  it('takes RENDITIONS from the environment, and the flag over it', async () => {
    const env = { RENDITIONS: JSON.stringify([CARD]) };
    const fromEnv = await thumbnailer(['in', '--out', 'out'], work, { env });
    expect(fromEnv.code).toBe(0);
    expect(await filesUnder(out())).toEqual(
      [...layoutOf('a.jpg', CARD), ...layoutOf('sub/b.jpg', CARD)].sort(),
    );
    // The flag wins, and THUMBNAIL_* in the environment does not stand in its way.
    const fromFlag = await run([HERO], { env: { ...env, THUMBNAIL_WIDTH: '32' } });
    expect(fromFlag.code).toBe(0);
    expect(await filesUnder(out())).toEqual(
      [...layoutOf('a.jpg', HERO), ...layoutOf('sub/b.jpg', HERO)].sort(),
    );
    // RENDITIONS with THUMBNAIL_* is refused, as by the function.
    const clash = await thumbnailer(['in', '--out', 'out'], work, {
      env: { ...env, THUMBNAIL_FORMAT: 'webp' },
    });
    expect(clash.code).toBe(2);
    expect(clash.stderr).toContain('RENDITIONS replaces THUMBNAIL_FORMAT');
    const bad = await thumbnailer(['in', '--out', 'out'], work, { env: { RENDITIONS: '[{"name":"x"}]' } });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('RENDITIONS[0].width: is required');
  });

  it('skips what is current, makes only a new rendition, and removes a dropped one', async () => {
    await run([SQUARE, CARD]);
    const squareFile = join(out(), 'square', 'a.jpg.webp');
    const before = (await stat(squareFile)).mtimeMs;
    const again = await run([SQUARE, CARD]);
    expect(again.stdout).toMatch(/^0 made, 2 skipped, 0 failed\n.*: 0 files written, 6 already current\n$/);

    const added = await run([SQUARE, CARD, HERO]);
    expect(added.stdout).toMatch(/^2 made, 0 skipped, 0 failed\n.*: 2 files written, 6 already current\n$/);
    expect((await stat(squareFile)).mtimeMs).toBe(before);
    expect((await manifestOf('a.jpg'))?.renditions.map((entry) => entry.key)).toEqual([
      'square/a.jpg.webp',
      'square/a.jpg.jpg',
      'card/a.jpg.avif',
      'hero/a.jpg.jpg',
    ]);

    // A quality change remakes only that rendition in that format.
    const requality = await run([{ ...SQUARE, quality: { webp: 40 } }, CARD, HERO]);
    expect(requality.stdout).toMatch(/: 2 files written, 6 already current\n$/);

    const dropped = await run([HERO, { ...CARD, formats: ['webp'] }]);
    expect(dropped.code).toBe(0);
    expect(await filesUnder(out())).toEqual(
      [
        ...layoutOf('a.jpg', HERO, { ...CARD, formats: ['webp'] }),
        ...layoutOf('sub/b.jpg', HERO, { ...CARD, formats: ['webp'] }),
      ].sort(),
    );
    expect((await manifestOf('a.jpg'))?.renditions.map((entry) => entry.name)).toEqual(['hero', 'card']);
  });

  it('remakes a rendition whose file was deleted, and the manifest when it was', async () => {
    await run([SQUARE]);
    await writeFile(join(out(), 'square', 'a.jpg.jpg'), 'edited by hand');
    await rm(join(out(), '_manifests', 'sub', 'b.jpg.json'));
    const remade = await run([SQUARE]);
    expect(remade.stdout).toMatch(/^2 made, 0 skipped, 0 failed\n.*: 1 file written, 3 already current\n$/);
    expect((await describeImage(await readFile(join(out(), 'square', 'a.jpg.jpg')))).width).toBe(64);
    expect((await manifestOf('sub/b.jpg'))?.renditions).toHaveLength(2);
  });

  it('takes every rendition of an input away when it stops being an image', async () => {
    await run([SQUARE]);
    await writeFile(join(work, 'in', 'a.jpg'), 'not a picture any more\n');
    const run2 = await run([SQUARE]);
    expect(run2.stderr).toMatch(/^skipped: in\/a\.jpg: not-an-image: .*; removed its thumbnails /);
    expect(await filesUnder(out())).toEqual(layoutOf('sub/b.jpg', SQUARE));
  });
});
