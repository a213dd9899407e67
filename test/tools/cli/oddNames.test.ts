import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { photoJpeg } from '../../support/images';
import { filesUnder, removeWorkFolder, stderrLines, thumbnailer, workFolder } from './cliHarness';

const CORRUPT = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x6a, 0x75, 0x6e, 0x6b]);

/** Names and trees a careless or hostile user hands over, each of which used to go wrong. */
describe('the thumbnailer command on odd names and trees', () => {
  let work: string;

  beforeAll(async () => {
    work = await workFolder('odd-names');
  });
  afterAll(() => removeWorkFolder(work));

  it('makes thumbnails of names at the 255-byte limit, under names that fit it, and finds them again', async () => {
    const folder = join(work, 'long');
    await mkdir(folder);
    const names = [`${'x'.repeat(251)}.jpg`, `${'x'.repeat(250)}.jpeg`, `${'é'.repeat(125)}.jpg`];
    for (const [index, name] of names.entries()) {
      await writeFile(join(folder, name), await photoJpeg(64, 48, index + 1));
    }
    const first = await thumbnailer(['long', '-o', 'long-thumbs'], work);
    expect(first).toMatchObject({ code: 0, stdout: '3 made, 0 skipped, 0 failed\n', stderr: '' });
    const made = await filesUnder(join(work, 'long-thumbs'));
    expect(made).toHaveLength(3);
    expect(made.every((name) => Buffer.byteLength(name) <= 255 && /~[0-9a-f]{16}\.jpg$/.test(name))).toBe(
      true,
    );
    expect((await thumbnailer(['long', '-o', 'long-thumbs'], work)).stdout).toBe(
      '0 made, 3 skipped, 0 failed\n',
    );
  });

  it('prints names with control characters and bidi overrides escaped, so none can forge a line', async () => {
    const folder = join(work, 'forged');
    await mkdir(folder);
    await writeFile(join(folder, 'bad\n0 made, 0 skipped, 0 failed\nok.jpg'), CORRUPT);
    await writeFile(join(folder, 'esc\u001b[2Kx\u202egpj.exe'), CORRUPT);
    const result = await thumbnailer(['forged', '-o', 'forged-thumbs'], work);
    expect(result.stdout).toBe('0 made, 0 skipped, 2 failed\n');
    expect(stderrLines(result)).toEqual([
      expect.stringMatching(/^failed: forged\/bad\\n0 made, 0 skipped, 0 failed\\nok\.jpg: corrupt: /),
      expect.stringMatching(/^failed: forged\/esc\\u001b\[2Kx\\u202egpj\.exe: corrupt: /),
    ]);
  });

  it('fails a file whose thumbnail would have to be a folder, whatever order the jobs run in', async () => {
    await mkdir(join(work, 'clash', 'a.jpg'), { recursive: true });
    await writeFile(join(work, 'clash', 'a'), await photoJpeg(64, 48));
    await writeFile(join(work, 'clash', 'a.jpg', 'b.jpg'), await photoJpeg(64, 48));
    const result = await thumbnailer(['clash', '-o', 'clash-thumbs', '-j', '4'], work);
    expect(result).toMatchObject({ code: 1, stdout: '1 made, 0 skipped, 1 failed\n' });
    expect(result.stderr).toBe(
      'failed: clash/a: its thumbnail clash-thumbs/a.jpg would have to be a folder, for clash-thumbs/a.jpg/b.jpg.jpg\n',
    );
  });

  it('reports an empty folder as nothing to do, creating nothing', async () => {
    await mkdir(join(work, 'empty'));
    const result = await thumbnailer(['empty', '-o', 'empty-thumbs'], work);
    expect(result).toEqual({ code: 0, stdout: '0 made, 0 skipped, 0 failed\n', stderr: '' });
    await expect(filesUnder(join(work, 'empty-thumbs'))).rejects.toThrow(/ENOENT/);
  });

  it('skips a device named as input without opening it', async () => {
    const result = await thumbnailer(['/dev/zero', '/dev/null', '-o', 'devices'], work);
    expect(result).toMatchObject({ code: 0, stdout: '0 made, 2 skipped, 0 failed\n' });
    expect(stderrLines(result)).toEqual([
      'skipped: /dev/null: not a regular file: a character device',
      'skipped: /dev/zero: not a regular file: a character device',
    ]);
  });
});
