import { join } from 'node:path';
import { awsEnvironment, type RunningMoto, startMotoServer } from '../support/motoServer';
import { REPO_ROOT } from '../support/dockerfile';
import { awsCli, run, TERRAFORM_SOURCE, terraformWorkspace } from '../support/terraform';
import { describeTier } from '../support/tiers';
import { accountLeftovers, NOTHING_LEFT } from '../support/accountLeftovers';

type Workspace = Awaited<ReturnType<typeof terraformWorkspace>>;

const STACKS = ['dependencies', 'lambda'] as const;
const ACCOUNT = '123456789012'; // moto's default account
const REGION = 'us-east-1';
const image = (digit: string) =>
  `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/thumbnailer@sha256:${digit.repeat(64)}`;
const MINUTES = 60_000;
const DEPLOY_MAIN = join(REPO_ROOT, 'dist', 'deploy', 'main.js');

describeTier('terraform', 'terraform: formatting, validation and the terraform test suites', () => {
  it('is `terraform fmt` clean', async () => {
    const result = await run(
      'terraform',
      ['fmt', '-check', '-recursive', '-diff', '-no-color'],
      TERRAFORM_SOURCE,
      process.env,
    );
    expect({ code: result.code, diff: result.stdout }).toEqual({ code: 0, diff: '' });
  });

  it.each(STACKS)(
    'the %s stack validates and passes its terraform test suite (mocked provider, offline)',
    async (name) => {
      const workspace = await terraformWorkspace();
      await workspace.init(name);
      const validate = await workspace.terraform(name, 'validate');
      expect(validate.stdout).toContain('The configuration is valid.');
      const test = await workspace.terraform(name, 'test');
      expect({ code: test.code, output: test.stdout + test.stderr }).toEqual({
        code: 0,
        output: expect.stringMatching(/Success! \d+ passed, 0 failed\./),
      });
    },
    5 * MINUTES,
  );
});

/**
 * Both stacks against moto, unchanged: only AWS_ENDPOINT_URL (and the certificate moto serves HTTPS
 * with, so that the buckets' TLS-only policies hold) differ from a real deployment.
 */
describeTier(['terraform', 'moto', 'awscli'], 'terraform: both stacks applied to moto and destroyed', () => {
  let moto: RunningMoto;
  let workspace: Workspace;
  let aws: (...args: string[]) => Promise<unknown>;
  let deps: Record<string, string>;
  const shared = '-var-file=../shared.tfvars';

  beforeAll(async () => {
    moto = await startMotoServer({ tls: true });
    const env = awsEnvironment(moto, REGION);
    workspace = await terraformWorkspace(env);
    // The AWS CLI v1's sqs commands ignore AWS_ENDPOINT_URL; every command gets it explicitly.
    aws = (...args) => awsCli(workspace.env, '--endpoint-url', moto.endpoint, ...args);
    await workspace.init('dependencies');
    await workspace.init('lambda');
  }, 2 * MINUTES);

  afterAll(async () => {
    await moto.stop();
  });

  it(
    'applies the dependencies stack',
    async () => {
      const apply = await workspace.terraform('dependencies', 'apply', '-auto-approve', shared);
      expect({ code: apply.code, stderr: apply.stderr }).toEqual({ code: 0, stderr: '' });
      const outputs = JSON.parse(
        (await workspace.terraform('dependencies', 'output', '-json')).stdout,
      ) as Record<string, { value: string }>;
      deps = Object.fromEntries(Object.entries(outputs).map(([name, output]) => [name, output.value]));
      expect(deps).toMatchObject({
        source_bucket: `thumbnailer-uploads-${ACCOUNT}-${REGION}`,
        thumbnail_bucket: `thumbnailer-thumbnails-${ACCOUNT}-${REGION}`,
        function_name: 'thumbnailer',
        ecr_repository_url: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/thumbnailer`,
      });
    },
    5 * MINUTES,
  );

  it('makes both buckets private, owner-enforced, encrypted and TLS-only, and versions the uploads', async () => {
    for (const bucket of [deps.source_bucket ?? '', deps.thumbnail_bucket ?? '']) {
      expect(await aws('s3api', 'get-public-access-block', '--bucket', bucket)).toEqual({
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          IgnorePublicAcls: true,
          BlockPublicPolicy: true,
          RestrictPublicBuckets: true,
        },
      });
      expect(await aws('s3api', 'get-bucket-ownership-controls', '--bucket', bucket)).toEqual({
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      });
      expect(await aws('s3api', 'get-bucket-encryption', '--bucket', bucket)).toMatchObject({
        ServerSideEncryptionConfiguration: {
          Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
      });
      const { Policy } = (await aws('s3api', 'get-bucket-policy', '--bucket', bucket)) as { Policy: string };
      expect(JSON.parse(Policy)).toMatchObject({
        Statement: [
          {
            Effect: 'Deny',
            Principal: '*',
            Action: 's3:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          },
        ],
      });
    }
    expect(await aws('s3api', 'get-bucket-versioning', '--bucket', deps.source_bucket ?? '')).toMatchObject({
      Status: 'Enabled',
    });
  });

  it('gives the function a role that can do exactly what the handler does', async () => {
    const role = (await aws(
      'iam',
      'get-role-policy',
      '--role-name',
      'thumbnailer-execution',
      '--policy-name',
      'thumbnailer',
    )) as {
      PolicyDocument: { Statement: unknown[] };
    };
    expect(role.PolicyDocument.Statement).toEqual([
      {
        Sid: 'ReadUploads',
        Effect: 'Allow',
        Action: ['s3:GetObject'],
        Resource: [`${deps.source_bucket_arn ?? ''}/*`],
      },
      {
        Sid: 'WriteAndCheckThumbnails',
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:PutObject'],
        Resource: [`arn:aws:s3:::${deps.thumbnail_bucket ?? ''}/*`],
      },
      {
        Sid: 'WriteOwnLogs',
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: [`arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/lambda/thumbnailer:*`],
      },
      {
        Sid: 'DeadLetter',
        Effect: 'Allow',
        Action: ['sqs:SendMessage'],
        Resource: [deps.dead_letter_queue_arn],
      },
    ]);
    const { AttachedPolicies } = (await aws(
      'iam',
      'list-attached-role-policies',
      '--role-name',
      'thumbnailer-execution',
    )) as {
      AttachedPolicies: unknown[];
    };
    expect(AttachedPolicies).toEqual([]);
  });

  it(
    'applies the lambda stack: an arm64 image function behind a live alias on its first version',
    async () => {
      const apply = await workspace.terraform(
        'lambda',
        'apply',
        '-auto-approve',
        shared,
        `-var=image_uri=${image('a')}`,
        '-var=alarm_email=ops@example.com',
      );
      expect({ code: apply.code, stderr: apply.stderr }).toEqual({ code: 0, stderr: '' });
      const functionArn = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:thumbnailer`;

      expect(
        await aws('lambda', 'get-function-configuration', '--function-name', 'thumbnailer'),
      ).toMatchObject({
        PackageType: 'Image',
        Architectures: ['arm64'],
        MemorySize: 512,
        Timeout: 30,
        Role: deps.execution_role_arn,
        Environment: {
          Variables: {
            THUMBNAIL_BUCKET: deps.thumbnail_bucket,
            SOURCE_BUCKET: deps.source_bucket,
            POWERTOOLS_LOG_LEVEL: 'INFO',
          },
        },
      });
      // S3 invokes the live alias, which starts on the first published version; never $LATEST.
      expect(
        await aws('lambda', 'get-alias', '--function-name', 'thumbnailer', '--name', 'live'),
      ).toMatchObject({
        AliasArn: `${functionArn}:live`,
        FunctionVersion: '1',
      });
    },
    5 * MINUTES,
  );

  it('S3 invokes the live alias for every created object of the uploads bucket', async () => {
    const functionArn = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:thumbnailer`;
    expect(
      await aws('s3api', 'get-bucket-notification-configuration', '--bucket', deps.source_bucket ?? ''),
    ).toMatchObject({
      LambdaFunctionConfigurations: [
        { LambdaFunctionArn: `${functionArn}:live`, Events: ['s3:ObjectCreated:*'] },
      ],
    });
  });

  it('retries a failed event twice, then sends it to the dead-letter queue', async () => {
    expect(
      await aws(
        'lambda',
        'get-function-event-invoke-config',
        '--function-name',
        'thumbnailer',
        '--qualifier',
        'live',
      ),
    ).toMatchObject({
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 21600,
      DestinationConfig: { OnFailure: { Destination: deps.dead_letter_queue_arn } },
    });
  });

  it('alarms on dead letters and function errors, to the alarm topic', async () => {
    const { MetricAlarms } = (await aws('cloudwatch', 'describe-alarms')) as {
      MetricAlarms: Array<{ AlarmName: string; AlarmActions: string[] }>;
    };
    // Sorted: Terraform creates the two alarms in parallel, so moto lists them in either order.
    const alarms = MetricAlarms.map((alarm) => [alarm.AlarmName, alarm.AlarmActions]).sort();
    expect(alarms).toEqual([
      ['thumbnailer-dead-letters', [`arn:aws:sns:${REGION}:${ACCOUNT}:thumbnailer-alarms`]],
      ['thumbnailer-function-errors', [`arn:aws:sns:${REGION}:${ACCOUNT}:thumbnailer-alarms`]],
    ]);
  });

  it('lets only the uploads bucket of this account invoke the live alias', async () => {
    const { Policy } = (await aws(
      'lambda',
      'get-policy',
      '--function-name',
      'thumbnailer',
      '--qualifier',
      'live',
    )) as {
      Policy: string;
    };
    expect(JSON.parse(Policy)).toMatchObject({
      Statement: [
        {
          Sid: 'AllowUploadsBucket',
          Principal: { Service: 's3.amazonaws.com' },
          Action: 'lambda:InvokeFunction',
          Condition: {
            ArnLike: { 'AWS:SourceArn': deps.source_bucket_arn },
            StringEquals: { 'AWS:SourceAccount': ACCOUNT },
          },
        },
      ],
    });
  });

  it(
    'npm run deploy moves the live alias to a new image (no smoke test: moto cannot run an image)',
    async () => {
      const layer = `sha256:${'7'.repeat(64)}`;
      const { image: pushed } = (await aws(
        'ecr',
        'put-image',
        '--repository-name',
        'thumbnailer',
        '--image-tag',
        'second',
        '--image-manifest',
        JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
          config: { mediaType: 'application/vnd.docker.container.image.v1+json', size: 1, digest: layer },
          layers: [
            { mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: 1, digest: layer },
          ],
        }),
      )) as { image: { imageId: { imageDigest: string } } };
      const second = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/thumbnailer@${pushed.imageId.imageDigest}`;

      const deployed = await run(
        process.execPath,
        [DEPLOY_MAIN, '--function', 'thumbnailer', '--image-uri', second, '--skip-smoke-test'],
        REPO_ROOT,
        { ...workspace.env, NODE_EXTRA_CA_CERTS: moto.caBundle },
      );

      expect({ code: deployed.code, stderr: deployed.stderr }).toEqual({ code: 0, stderr: '' });
      expect(
        await aws('lambda', 'get-alias', '--function-name', 'thumbnailer', '--name', 'live'),
      ).toMatchObject({
        FunctionVersion: '2',
      });
    },
    MINUTES,
  );

  it(
    'plans no change after a deploy, even for a newer image_uri, and orders the trigger after its permission',
    async () => {
      const dependencies = await workspace.terraform('dependencies', 'plan', '-detailed-exitcode', shared);
      expect({ stack: 'dependencies', code: dependencies.code, plan: dependencies.stdout }).toMatchObject({
        code: 0,
      });
      // Deployments change the code and the alias through the Lambda API; Terraform must never roll
      // either back.
      const planFile = join(workspace.stack('lambda'), 'second.plan');
      const lambda = await workspace.terraform(
        'lambda',
        'plan',
        '-detailed-exitcode',
        shared,
        `-var=image_uri=${image('b')}`,
        '-var=alarm_email=ops@example.com',
        `-out=${planFile}`,
      );
      expect({ stack: 'lambda', code: lambda.code, plan: lambda.stdout }).toMatchObject({ code: 0 });

      const shown = JSON.parse((await workspace.terraform('lambda', 'show', '-json', planFile)).stdout) as {
        configuration: { root_module: { resources: Array<{ address: string; depends_on?: string[] }> } };
      };
      const notification = shown.configuration.root_module.resources.find(
        (resource) => resource.address === 'aws_s3_bucket_notification.uploads',
      );
      expect(notification?.depends_on).toContain('aws_lambda_permission.s3_invoke');
    },
    5 * MINUTES,
  );

  it(
    'destroys both stacks, versioned uploads and all, and leaves nothing behind',
    async () => {
      const bucket = deps.source_bucket ?? '';
      for (const version of ['first', 'second']) {
        await aws(
          's3api',
          'put-object',
          '--bucket',
          bucket,
          '--key',
          'photos/cat.jpg',
          '--body',
          join(TERRAFORM_SOURCE, 'shared.tfvars'),
          '--metadata',
          `version=${version}`,
        );
      }
      const lambda = await workspace.terraform(
        'lambda',
        'destroy',
        '-auto-approve',
        shared,
        `-var=image_uri=${image('a')}`,
      );
      expect({ code: lambda.code, stderr: lambda.stderr }).toEqual({ code: 0, stderr: '' });
      const dependencies = await workspace.terraform('dependencies', 'destroy', '-auto-approve', shared);
      expect({ code: dependencies.code, stderr: dependencies.stderr }).toEqual({ code: 0, stderr: '' });

      expect(await accountLeftovers(aws)).toEqual(NOTHING_LEFT);
    },
    5 * MINUTES,
  );
});
