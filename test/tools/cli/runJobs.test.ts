import { execFileSync } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { OutputFolder } from '../../../src/tools/cli/outputFolder';
import { planJobs } from '../../../src/tools/cli/planJobs';
import { type JobOutcome, runJobs } from '../../../src/tools/cli/runJobs';
import { DEFAULT_THUMBNAIL_OPTIONS } from '../../../src/core/engine/thumbnailOptions';
import { implicitRendition } from '../../../src/core/renditions';
import { photoJpeg } from '../../support/images';
import { removeWorkFolder, workFolder } from './cliHarness';

/**
 * Files that change between planning and reading (deleted, replaced by a folder or by a FIFO, which
 * would block a plain open forever): each is one failure with its reason, the others are made.
 */
describe('runJobs on files that change under it', () => {
  let work: string;

  beforeAll(async () => {
    work = await workFolder('run-jobs');
  });
  afterAll(() => removeWorkFolder(work));

  it('fails each changed file with its reason, and makes the rest', async () => {
    const photos = join(work, 'photos');
    await mkdir(photos);
    for (const name of ['kept.jpg', 'vanished.jpg', 'now-folder.jpg', 'now-fifo.jpg']) {
      await writeFile(join(photos, name), await photoJpeg(64, 48));
    }
    const out = join(work, 'thumbs');
    const renditions = [implicitRendition(DEFAULT_THUMBNAIL_OPTIONS)];
    const plan = await planJobs([photos], out, renditions);
    expect(plan.jobs).toHaveLength(4);
    await rm(join(photos, 'vanished.jpg'));
    await rm(join(photos, 'now-folder.jpg'));
    await mkdir(join(photos, 'now-folder.jpg'));
    await rm(join(photos, 'now-fifo.jpg'));
    execFileSync('mkfifo', [join(photos, 'now-fifo.jpg')]);

    const outcomes: JobOutcome[] = [];
    const summary = await runJobs(plan.jobs, {
      folder: await OutputFolder.open(out),
      thumbnail: DEFAULT_THUMBNAIL_OPTIONS,
      renditions,
      concurrency: 2,
      force: false,
      onOutcome: (outcome) => outcomes.push(outcome),
    });
    expect(summary).toEqual({ made: 1, skipped: 0, failed: 3, written: 1, current: 0 });
    const reasons = Object.fromEntries(
      outcomes.map(({ input, reason }) => [input.slice(photos.length + 1), reason]),
    );
    expect(reasons).toEqual({
      'kept.jpg': undefined,
      'vanished.jpg': 'cannot read it: it no longer exists (moved or deleted during the run?) (ENOENT)',
      'now-folder.jpg': 'no longer a regular file: it is now a folder',
      'now-fifo.jpg': 'no longer a regular file: it is now a FIFO',
    });
  });
});
