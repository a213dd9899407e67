import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { CreateJobCommand, DescribeJobCommand } from '@aws-sdk/client-s3-control';
import { getObject, putObject } from '../../support/bucketContents';
import { awsArgs, jobHost } from '../../support/backfillJobHarness';
import { startTestS3, type TestS3 } from '../../support/localS3';
import { runAws } from '../../../src/tools/backfill/aws/awsRun';

const SHARED = { SOURCE_BUCKET: 'uploads', THUMBNAIL_BUCKET: 'uploads', THUMBNAIL_PREFIX: 'thumbs/' };

/**
 * Jobs over a manifest the user names: each line checked (or, for an inventory, filtered) before a job
 * exists, and what the job runs uploaded where its role may read it. S3 Control is faked (moto has no
 * Batch Operations jobs); S3 is the project's S3 server.
 */
describe('npm run backfill in AWS over a --csv or an --inventory', () => {
  let s3: TestS3;
  const uploadedManifest = async (control: ReturnType<typeof jobHost>['control']) => {
    const [request] = control.commandCalls(CreateJobCommand).map((call) => call.args[0].input);
    const key = (request?.Manifest?.Location?.ObjectArn ?? '').replace('arn:aws:s3:::uploads/', '');
    return (await getObject(s3.s3, 'uploads', key))?.body.toString();
  };

  beforeAll(async () => {
    s3 = await startTestS3(['uploads', 'inventories']);
  });
  afterAll(() => s3.stop());

  it('an inventory: only the source bucket, never thumbnails, read with the caller’s credentials', async () => {
    const rows = [
      '"uploads","a%20b.jpg","1"',
      '"uploads","thumbs/a%20b.jpg.jpg","2"',
      '"elsewhere","c.jpg","3"',
    ];
    await putObject(s3.s3, 'inventories', 'inv/data/1.csv.gz', gzipSync(`${rows.join('\n')}\n`));
    const manifest = {
      destinationBucket: 'arn:aws:s3:::inventories',
      fileFormat: 'CSV',
      fileSchema: 'Bucket, Key, Size',
      files: [{ key: 'inv/data/1.csv.gz' }],
    };
    await putObject(s3.s3, 'inventories', 'inv/manifest.json', Buffer.from(JSON.stringify(manifest)));
    const { host, control, printed } = jobHost(s3, SHARED);
    control.on(CreateJobCommand).resolves({ JobId: 'inventory-job' });
    control.on(DescribeJobCommand).resolves({ Job: { Status: 'Complete' } });

    expect(await runAws(awsArgs('--inventory', 's3://inventories/inv/manifest.json', '--yes'), host)).toBe(0);
    expect(await uploadedManifest(control)).toBe('uploads,a%20b.jpg\n');
    expect(printed).toContain(
      '2 objects of the inventory left out: another bucket, outside SOURCE_PREFIX, or thumbnails',
    );
  });

  it('a CSV file naming a thumbnail, or another bucket, is refused whole before any job', async () => {
    const file = join(tmpdir(), `thumbnailer-backfill-${process.pid}.csv`);
    const { host, control } = jobHost(s3, SHARED);
    await writeFile(file, 'uploads,ok.jpg\nuploads,thumbs%2Fok.jpg.jpg\n');
    await expect(runAws(awsArgs('--csv', file, '--yes'), host)).rejects.toThrow(
      /--csv line 2: "thumbs\/ok.jpg.jpg" is a thumbnail/,
    );
    await writeFile(file, 'uploads,ok.jpg\nother-bucket,x.jpg\n');
    await expect(runAws(awsArgs('--csv', file, '--yes'), host)).rejects.toThrow(
      /--csv line 2: bucket "other-bucket" is not the function's source bucket uploads/,
    );
    expect(control.commandCalls(CreateJobCommand)).toEqual([]);
  });

  it('a CSV in S3, keys re-encoded one way whatever encoding of a space it used', async () => {
    await putObject(
      s3.s3,
      'inventories',
      'lists/x.csv',
      Buffer.from('uploads,a+b.jpg\nuploads,c%20d%2B.jpg\n'),
    );
    const { host, control } = jobHost(s3, SHARED);
    control.on(CreateJobCommand).resolves({ JobId: 'csv-job' });
    control.on(DescribeJobCommand).resolves({ Job: { Status: 'Complete' } });
    expect(await runAws(awsArgs('--csv', 's3://inventories/lists/x.csv', '--yes'), host)).toBe(0);
    expect(await uploadedManifest(control)).toBe('uploads,a%20b.jpg\nuploads,c%20d%2B.jpg\n');
  });
});
