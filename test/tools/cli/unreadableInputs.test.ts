import { execFileSync } from 'node:child_process';
import { chmod, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { photoJpeg, solidImage } from '../../support/images';
import {
  type CliRun,
  filesUnder,
  removeWorkFolder,
  stderrLines,
  thumbnailer,
  workFolder,
} from './cliHarness';

const LONG = 'd'.repeat(200);

/** A chain of folders whose path outgrows PATH_MAX (4,096 bytes), made by walking down it with cd. */
function tooDeepFolder(parent: string): void {
  execFileSync('bash', [
    '-c',
    `cd "$1" && for _ in $(seq 22); do mkdir ${LONG} && cd ${LONG}; done && echo x > f.jpg`,
    '-',
    parent,
  ]);
}

/**
 * Inputs that cannot be read, each of which used to abort the whole run with a stack trace: an unreadable
 * file, an unreadable folder (run as nobody when the tests run as root, who is denied nothing), a folder
 * too deep to open, a broken link, a name that is not UTF-8, a FIFO (which would block a reader forever).
 */
describe('the thumbnailer command on inputs it cannot read', () => {
  let work: string;
  let run: CliRun;

  beforeAll(async () => {
    work = await workFolder('unreadable');
    const photos = join(work, 'photos');
    await mkdir(join(photos, 'locked'), { recursive: true });
    await mkdir(join(photos, 'deep'));
    const image = await photoJpeg(64, 48);
    await writeFile(join(photos, 'good.jpg'), image);
    await writeFile(join(photos, 'zero.jpg'), '');
    await writeFile(join(photos, 'secret.jpg'), image);
    await writeFile(join(photos, 'locked', 'inside.jpg'), image);
    await writeFile(Buffer.from(`${photos}/latin1-\xe9.png`, 'latin1'), await solidImage(8, 8, 'png'));
    await symlink('nowhere.jpg', join(photos, 'broken.jpg'));
    execFileSync('mkfifo', [join(photos, 'pipe.jpg')]);
    tooDeepFolder(join(photos, 'deep'));
    execFileSync('chmod', ['-R', 'a+rwX', work]); // nobody may read all the rest
    await chmod(join(photos, 'secret.jpg'), 0o000);
    await chmod(join(photos, 'locked'), 0o000);
    run = await thumbnailer(['photos', '--out', 'thumbs'], work, { unprivileged: true });
  });
  afterAll(async () => {
    await chmod(join(work, 'photos', 'locked'), 0o755);
    await removeWorkFolder(work);
  });

  it('reports each as one line with its reason, and makes everything else', async () => {
    expect(stderrLines(run)).toEqual([
      'failed: photos/broken.jpg: a broken symbolic link (its target does not exist)',
      expect.stringMatching(
        /^failed: photos\/deep\/(d{200}\/)+d{200}: cannot read this folder: the name or path is too long \(ENAMETOOLONG\)$/,
      ),
      'failed: photos/latin1-\ufffd.png: its name is not valid UTF-8: rename it',
      'failed: photos/locked: cannot read this folder: permission denied (EACCES)',
      'failed: photos/secret.jpg: cannot read it: permission denied (EACCES)',
      'skipped: photos/pipe.jpg: not a regular file: a FIFO',
    ]);
    expect(run.stdout).toBe('1 made, 2 skipped, 5 failed\n');
    expect(run.code).toBe(1);
    expect(await filesUnder(join(work, 'thumbs'))).toEqual(['good.jpg.jpg']);
  });
});
