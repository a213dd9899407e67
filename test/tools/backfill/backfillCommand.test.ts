import { setTimeout as sleep } from 'node:timers/promises';
import { listKeys, putObject } from '../../support/bucketContents';
import { runBackfill, startBackfill, summaryLine } from '../../support/backfillProcess';
import { solidImage } from '../../support/images';
import { startTestS3, type TestS3 } from '../../support/localS3';

/** The backfill command's rails, run as built against the local stack's S3 server. */
describe('npm run backfill -- --endpoint', () => {
  let s3: TestS3;

  beforeAll(async () => {
    s3 = await startTestS3(['shared', 'photos', 'thumbnails', 'rendered', 'renditions']);
    const image = await solidImage(64, 48);
    for (const key of ['cats/a.jpg', 'cats/b.jpg', 'dogs/c.jpg', 'thumbs/old.jpg.jpg']) {
      await putObject(s3.s3, 'shared', key, image);
    }
    await putObject(s3.s3, 'rendered', 'a b.jpg', image);
    for (let index = 0; index < 300; index += 1) {
      await putObject(s3.s3, 'photos', `p${String(index)}.jpg`, image);
    }
  });
  afterAll(() => s3.stop());

  it('never lists the thumbnail prefix when thumbnails share the bucket', async () => {
    const env = { THUMBNAIL_PREFIX: 'thumbs/' };
    const run = await runBackfill(['s3://shared/', '--thumbnail-bucket', 'shared'], s3.endpoint, env);
    expect(run.stdout).toContain('backfill: 3 objects');
    expect(summaryLine(run, 'made').count).toBe(3);
    expect(await listKeys(s3.s3, 'shared', 'thumbs/')).toEqual([
      'thumbs/_manifests/cats/a.jpg.json',
      'thumbs/_manifests/cats/b.jpg.json',
      'thumbs/_manifests/dogs/c.jpg.json',
      'thumbs/cats/a.jpg.jpg',
      'thumbs/cats/b.jpg.jpg',
      'thumbs/dogs/c.jpg.jpg',
      'thumbs/old.jpg.jpg',
    ]);
  });

  it('makes every rendition RENDITIONS names, then finds them all current', async () => {
    const RENDITIONS = JSON.stringify([
      { name: 'small', width: 32, height: 32 },
      { name: 'wide', width: 60, height: 20, formats: ['webp', 'jpeg'] },
    ]);
    const args = ['s3://rendered/', '--thumbnail-bucket', 'renditions'];
    const first = await runBackfill(args, s3.endpoint, { RENDITIONS });
    expect(first.stdout).toMatch(/^ {2}made +1$/m);
    expect(await listKeys(s3.s3, 'renditions')).toEqual([
      '_manifests/a b.jpg.json',
      'small/a b.jpg.jpg',
      'wide/a b.jpg.jpg',
      'wide/a b.jpg.webp',
    ]);
    const again = await runBackfill(args, s3.endpoint, { RENDITIONS });
    expect(summaryLine(again, 'skipped')).toEqual({ count: 1, reasons: 'already-current 1' });
  });

  it('refuses a thumbnail bucket that is also the source with no THUMBNAIL_PREFIX, or a prefix inside it', async () => {
    const alone = await runBackfill(['--bucket', 'shared', '--thumbnail-bucket', 'shared'], s3.endpoint);
    expect([alone.code, alone.stderr]).toEqual([2, expect.stringContaining('with no THUMBNAIL_PREFIX')]);
    const inside = await runBackfill(['s3://shared/thumbs/x', '--thumbnail-bucket', 'shared'], s3.endpoint, {
      THUMBNAIL_PREFIX: 'thumbs/',
    });
    expect([inside.code, inside.stderr]).toEqual([2, expect.stringContaining('never thumbnails thumbnails')]);
  });

  it('--prefix, --dry-run and --max-objects stop before anything is made', async () => {
    const dry = await runBackfill(['--bucket', 'shared', '--prefix', 'cats/', '--dry-run'], s3.endpoint);
    expect([dry.code, dry.stdout]).toEqual([
      0,
      expect.stringMatching(/2 objects.*\n--dry-run: nothing was made/),
    ]);
    const big = await runBackfill(['--bucket', 'photos', '--max-objects', '299'], s3.endpoint);
    expect([big.code, big.stderr]).toEqual([
      2,
      expect.stringContaining('more than --max-objects 299 objects'),
    ]);
    expect(await listKeys(s3.s3, 'thumbnails')).toEqual([]);
  });

  it('stops on SIGTERM with the tasks running finished, says so, and exits 130', async () => {
    const running = startBackfill(['--bucket', 'photos', '--concurrency', '1'], s3.endpoint);
    while (!running.stdout().includes('backfill: 300 objects')) {
      await sleep(20);
    }
    process.kill(running.child.pid ?? 0, 'SIGTERM');
    const run = await running.finished;
    expect([run.code, run.stdout]).toEqual([130, expect.stringContaining('backfill interrupted after')]);
    const made = summaryLine(run, 'made').count;
    const thumbnails = await listKeys(s3.s3, 'thumbnails');
    expect(thumbnails.filter((key) => !key.startsWith('_manifests/')).length).toBe(made);
  });

  it.each([
    [['--bukcet', 'photos'], /unknown option --bukcet \(did you mean --bucket\?\)/],
    [['--bucket', 'Photos'], /--bucket: "Photos" is not a valid bucket name/],
    [['--bucket', 'photos', '--concurrency', '0'], /--concurrency: must be a whole number from 1 to 256/],
    [['--bucket', 'photos', '--yes'], /--yes: only for a Batch Operations job in AWS/],
    [['--bucket', 'photos', '--created-after', 'yesterday'], /--created-after: must be an ISO 8601 date/],
  ])('refuses %j with exit 2 before any request', async (args, message) => {
    const run = await runBackfill(args, { ...s3.endpoint, endpoint: 'http://127.0.0.1:9' });
    expect([run.code, run.stderr]).toEqual([2, expect.stringMatching(message)]);
    expect(run.stderr).toContain('next: npm run backfill -- --help');
  });

  it('checks the thumbnail bucket first: a missing one exits 2 before anything is listed or made', async () => {
    const run = await runBackfill(
      ['--bucket', 'photos', '--thumbnail-bucket', 'no-such-thumbnails'],
      s3.endpoint,
    );
    expect([run.code, run.stderr]).toEqual([
      2,
      expect.stringContaining('the thumbnail bucket no-such-thumbnails does not exist'),
    ]);
    expect(run.stderr).toContain('check --thumbnail-bucket');
    expect(run.stdout).not.toContain('objects');
  });

  it('names the bucket and the server when it cannot list', async () => {
    const missing = await runBackfill(['--bucket', 'no-such-bucket'], s3.endpoint);
    expect([missing.code, missing.stderr]).toEqual([1, expect.stringContaining('check --bucket')]);
    const down = await runBackfill(['--bucket', 'photos'], {
      ...s3.endpoint,
      endpoint: 'http://127.0.0.1:9',
    });
    expect([down.code, down.stderr]).toEqual([1, expect.stringContaining('could not list s3://photos/')]);
  });

  it('says credentials are missing when none are set, not that the server is down', async () => {
    const run = await runBackfill(['--bucket', 'photos'], s3.endpoint, {
      AWS_ACCESS_KEY_ID: '',
      AWS_SECRET_ACCESS_KEY: '',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
      AWS_CONFIG_FILE: '/nonexistent',
    });
    expect([run.code, run.stderr]).toEqual([1, expect.stringContaining('no credentials were found')]);
    expect(run.stderr).not.toContain('listening');
  });
});
