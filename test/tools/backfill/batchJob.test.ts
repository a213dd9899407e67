import { CreateJobCommand, DescribeJobCommand, type JobStatus } from '@aws-sdk/client-s3-control';
import { getObject, putObject } from '../../support/bucketContents';
import { ACCOUNT, awsArgs, FUNCTION_ARN, jobHost, ROLE_ARN } from '../../support/backfillJobHarness';
import { solidImage } from '../../support/images';
import { startTestS3, type TestS3 } from '../../support/localS3';
import { runAws } from '../../../src/tools/backfill/aws/awsRun';
import { UsageError } from '../../../src/common/errors';

const SEPARATE = { SOURCE_BUCKET: 'uploads', THUMBNAIL_BUCKET: 'thumbnails' };
const progress = (succeeded: number, failed: number, total: number) => ({
  ProgressSummary: {
    TotalNumberOfTasks: total,
    NumberOfTasksSucceeded: succeeded,
    NumberOfTasksFailed: failed,
  },
});

/** Creating and following a Batch Operations job: the exact request, and each status it may end in. */
describe('npm run backfill in AWS: the Batch Operations job', () => {
  let s3: TestS3;

  beforeAll(async () => {
    s3 = await startTestS3(['uploads', 'thumbnails', 'shared']);
    for (const key of ['photos/a.jpg', 'photos/b b.jpg', 'other/c.jpg']) {
      await putObject(s3.s3, 'uploads', key, await solidImage(8, 8));
    }
    for (const key of ['in/a+b.jpg', 'thumbs/in/old.jpg.jpg', 'thumbnailer-backfill/reports/x.csv']) {
      await putObject(s3.s3, 'shared', key, await solidImage(8, 8));
    }
  });
  afterAll(() => s3.stop());

  it('pins the version live serves, filters with the manifest generator, reports failures, and follows it', async () => {
    const { host, control, printed } = jobHost(s3, SEPARATE);
    control.on(CreateJobCommand).resolves({ JobId: 'job-12345' });
    control
      .on(DescribeJobCommand)
      .resolvesOnce({ Job: { Status: 'Preparing' } })
      .resolvesOnce({ Job: { Status: 'Active', ...progress(1, 0, 2) } })
      .resolves({ Job: { Status: 'Complete', ...progress(2, 0, 2) } });

    const after = '2024-01-31';
    expect(await runAws(awsArgs('--prefix', 'photos/', '--created-after', after, '--yes'), host)).toBe(0);
    expect(control.commandCalls(CreateJobCommand).map((call) => call.args[0].input)).toEqual([
      {
        AccountId: ACCOUNT,
        ConfirmationRequired: false,
        Operation: { LambdaInvoke: { FunctionArn: `${FUNCTION_ARN}:7`, InvocationSchemaVersion: '2.0' } },
        ManifestGenerator: {
          S3JobManifestGenerator: {
            ExpectedBucketOwner: ACCOUNT,
            SourceBucket: 'arn:aws:s3:::uploads',
            EnableManifestOutput: false,
            Filter: {
              KeyNameConstraint: { MatchAnyPrefix: ['photos/'] },
              CreatedAfter: new Date(`${after}T00:00:00Z`),
            },
          },
        },
        Report: {
          Enabled: true,
          Bucket: 'arn:aws:s3:::thumbnails',
          Prefix: 'thumbnailer-backfill/reports',
          Format: 'Report_CSV_20180820',
          ReportScope: 'FailedTasksOnly',
        },
        Priority: 10,
        RoleArn: ROLE_ARN,
        ClientRequestToken: expect.stringMatching(/^[0-9a-f-]{36}$/),
        Description: 'thumbnailer backfill of s3://uploads/ with version 7',
      },
    ]);
    expect(printed).toEqual(
      expect.arrayContaining([
        'backfill: 2 objects of s3://uploads/, by thumbnailer version 7 (pinned: the live alias now)',
        expect.stringMatching(/^estimated cost, at most: \$0\.25 /),
        'job job-12345 complete: succeeded 2 of 2, failed 0',
      ]),
    );
  });

  it('--dry-run, a declined confirmation and --max-objects create nothing', async () => {
    const { host, control, answers, printed } = jobHost(s3, SEPARATE);
    expect(await runAws(awsArgs('--dry-run'), host)).toBe(0);
    answers.push(false);
    expect(await runAws(awsArgs(), host)).toBe(1);
    await expect(runAws(awsArgs('--max-objects', '2', '--yes'), host)).rejects.toThrow(UsageError);
    expect(control.commandCalls(CreateJobCommand)).toEqual([]);
    expect(printed).toEqual(expect.arrayContaining(['--dry-run: no job was created', 'no job was created']));
  });

  it('refuses a function whose THUMBNAIL_BUCKET does not exist, exit 2, before counting or any job', async () => {
    const { host, control, printed } = jobHost(s3, { ...SEPARATE, THUMBNAIL_BUCKET: 'gone-thumbnails' });
    const run = runAws(awsArgs('--yes'), host);
    await expect(run).rejects.toThrow(/the thumbnail bucket gone-thumbnails does not exist/);
    await expect(run).rejects.toMatchObject({ exitCode: 2 });
    expect(control.commandCalls(CreateJobCommand)).toEqual([]);
    expect(printed).toEqual([]);
  });

  it('sharing a bucket with the thumbnails: a listed manifest without them, uploaded first', async () => {
    const { host, control } = jobHost(s3, {
      SOURCE_BUCKET: 'shared',
      THUMBNAIL_BUCKET: 'shared',
      THUMBNAIL_PREFIX: 'thumbs/',
    });
    control.on(CreateJobCommand).resolves({ JobId: 'job-23456' });
    control.on(DescribeJobCommand).resolves({ Job: { Status: 'Complete', ...progress(1, 0, 1) } });
    expect(await runAws(awsArgs('--yes'), host)).toBe(0);
    const [request] = control.commandCalls(CreateJobCommand).map((call) => call.args[0].input);
    const location = request?.Manifest?.Location;
    const key = (location?.ObjectArn ?? '').replace('arn:aws:s3:::shared/', '');
    expect(key).toMatch(/^thumbnailer-backfill\/manifests\/[0-9a-f-]{36}\.csv$/);
    const manifest = await getObject(s3.s3, 'shared', key);
    expect(manifest?.body.toString()).toBe('shared,in%2Fa%2Bb.jpg\n');
    expect([location?.ETag, request?.Manifest?.Spec]).toEqual([
      manifest?.eTag,
      { Format: 'S3BatchOperations_CSV_20180820', Fields: ['Bucket', 'Key'] },
    ]);
  });

  it('summarises the report of failed tasks; only failures outlasting retries, or a failed job, exit 1', async () => {
    const { host, control, printed } = jobHost(s3, SEPARATE);
    const folder = 'thumbnailer-backfill/reports/job-34567abc';
    const rows = [
      'uploads,photos/a.jpg,,failed,PermanentFailure,200,"refused not-an-image: not an image, at all"',
      'uploads,photos/b%20b.jpg,,failed,TemporaryFailure,200,failed: write-thumbnail failed: SlowDown: x',
    ];
    await putObject(s3.s3, 'thumbnails', `${folder}/results/1.csv`, Buffer.from(`${rows.join('\n')}\n`));
    const manifest = { Results: [{ TaskExecutionStatus: 'failed', Key: `${folder}/results/1.csv` }] };
    await putObject(s3.s3, 'thumbnails', `${folder}/manifest.json`, Buffer.from(JSON.stringify(manifest)));
    control.on(DescribeJobCommand).resolves({ Job: { Status: 'Complete', ...progress(0, 2, 2) } });
    control.on(CreateJobCommand).resolves({ JobId: '34567abc' });

    expect(await runAws(awsArgs('--prefix', 'photos/', '--yes'), host)).toBe(1);
    expect(printed.slice(-5)).toEqual([
      `failed tasks by outcome and reason; each key in s3://thumbnails/${folder}/results/:`,
      '  made     0',
      '  skipped  0',
      '  refused  1  (not-an-image 1)',
      '  failed   1  (SlowDown 1)',
    ]);
  });

  it.each<[JobStatus, number]>([
    ['Failed', 1],
    ['Cancelled', 1],
  ])('a job that ends %s says why and exits %d', async (status, code) => {
    const { host, control, printed } = jobHost(s3, SEPARATE);
    control.on(CreateJobCommand).resolves({ JobId: 'job-45678' });
    const FailureReasons = [{ FailureCode: 'AccessDenied', FailureReason: 'the role cannot invoke' }];
    control
      .on(DescribeJobCommand)
      .resolves({ Job: { Status: status, FailureReasons, ...progress(0, 0, 2) } });
    expect(await runAws(awsArgs('--yes'), host)).toBe(code);
    expect(printed.slice(-2)).toEqual([
      `job job-45678 ${status.toLowerCase()}: succeeded 0 of 2, failed 0`,
      '  AccessDenied: the role cannot invoke',
    ]);
  });
});
