import { setTimeout as sleep } from 'node:timers/promises';
import { listKeys } from '../../support/bucketContents';
import { type CorpusObject, seedCorpus } from '../../support/backfillCorpus';
import { runBackfill, startBackfill, summaryLine } from '../../support/backfillProcess';
import { startTestS3, type TestS3 } from '../../support/localS3';

const OBJECTS = 2_400;
const ARGS = ['--bucket', 'archive', '--thumbnail-bucket', 'thumbnails', '--concurrency', '2'];

/**
 * `npm run backfill -- --endpoint`, the command as built, over a bucket of mixed objects on the local
 * stack's S3 server (the bucket is not the one `npm start` watches, so nothing but the backfill makes
 * thumbnails). The process is killed part-way by its PID, then run again, then once more.
 */
describe('local backfill over a few thousand objects', () => {
  let s3: TestS3;
  let corpus: CorpusObject[];
  const images = () => corpus.filter(({ kind }) => kind === 'image').map(({ key }) => key);
  const expected = () =>
    images()
      .map((key) => `${key}.jpg`)
      .sort();
  /** The thumbnails made so far, and the manifests written last, each after its thumbnail. */
  const made = async () => {
    const keys = await listKeys(s3.s3, 'thumbnails');
    const manifests = keys.filter((key) => key.startsWith('_manifests/'));
    return { thumbnails: keys.filter((key) => !key.startsWith('_manifests/')), manifests };
  };

  beforeAll(async () => {
    s3 = await startTestS3(['archive', 'thumbnails']);
    corpus = await seedCorpus(s3.s3, 'archive', OBJECTS);
  }, 180_000);
  afterAll(() => s3.stop());

  it('killed part-way, then resumed, then run again: every image thumbnailed once', async () => {
    const killed = startBackfill(ARGS, s3.endpoint);
    while ((await made()).thumbnails.length < 100) {
      await sleep(100);
    }
    process.kill(killed.child.pid ?? 0, 'SIGKILL');
    expect((await killed.finished).signal).toBe('SIGKILL');
    const before = (await made()).thumbnails.length;
    expect(before).toBeLessThan(expected().length);

    const resumed = await runBackfill(ARGS, s3.endpoint);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain(`backfill: 2,400 objects`);
    expect(summaryLine(resumed, 'made').count + summaryLine(resumed, 'skipped').count).toBe(
      expected().length + corpus.filter(({ kind }) => kind === 'folder').length,
    );
    // What the killed run finished is found current; a task it was writing when killed may be made again.
    expect(summaryLine(resumed, 'made').count).toBeLessThanOrEqual(expected().length - before + 2);
    expect(summaryLine(resumed, 'refused')).toEqual({ count: 360, reasons: 'not-an-image 240, empty 120' });
    expect(summaryLine(resumed, 'failed').count).toBe(0);
    expect(await made()).toEqual({
      thumbnails: expected(),
      manifests: images()
        .map((key) => `_manifests/${key}.json`)
        .sort(),
    });

    const again = await runBackfill(ARGS, s3.endpoint);
    expect(again.code).toBe(0);
    expect(summaryLine(again, 'made').count).toBe(0);
    expect(summaryLine(again, 'skipped')).toEqual({
      count: 2_040,
      reasons: 'already-current 1,920, folder-marker 120',
    });
  }, 600_000);
});
