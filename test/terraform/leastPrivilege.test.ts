import { awsEnvironment, type RunningMoto, startMotoServer } from '../support/motoServer';
import {
  auditPlan,
  grants,
  type PlanJson,
  type PlannedResource,
  policyAt,
  resources,
} from '../support/planAudit';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { reportFigures } from '../support/reliabilityReport';
import { terraformWorkspace } from '../support/terraform';
import { describeTier } from '../support/tiers';
import { MANIFEST_PREFIX, REPORT_PREFIX } from '../../src/tools/backfill/locations';

const ACCOUNT = '123456789012'; // moto's default account
const REGION = 'us-east-1';
const UPLOADS = `arn:aws:s3:::thumbnailer-uploads-${ACCOUNT}-${REGION}`;
const THUMBNAILS = `arn:aws:s3:::thumbnailer-thumbnails-${ACCOUNT}-${REGION}`;
const FUNCTION = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:thumbnailer`;
const REPOSITORY = `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/thumbnailer`;
const DISTRIBUTION = `arn:aws:cloudfront::${ACCOUNT}:distribution/E2THUMBS0EXAMPLE`;
const OIDC_PROVIDER = `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`;
const MINUTES = 60_000;

/**
 * Everything the function may do: read uploads (and tell a deleted one), write, check and remove
 * thumbnails, log, dead-letter, publish on the one bus, keep the one table's items. Nothing else.
 */
const TABLE = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/thumbnailer-metadata`;
const EXECUTION_GRANTS = [
  `cloudfront:CreateInvalidation ${DISTRIBUTION}`,
  `dynamodb:DeleteItem ${TABLE}`,
  `dynamodb:GetItem ${TABLE}`,
  `dynamodb:PutItem ${TABLE}`,
  `events:PutEvents arn:aws:events:${REGION}:${ACCOUNT}:event-bus/default`,
  `logs:CreateLogStream arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/lambda/thumbnailer:*`,
  `logs:PutLogEvents arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/lambda/thumbnailer:*`,
  `s3:DeleteObject ${THUMBNAILS}/thumbs/*`,
  `s3:GetObject ${THUMBNAILS}/thumbs/*`,
  `s3:GetObject ${UPLOADS}/incoming/*`,
  `s3:ListBucket ${UPLOADS}`,
  `s3:PutObject ${THUMBNAILS}/thumbs/*`,
  `sqs:SendMessage arn:aws:sqs:${REGION}:${ACCOUNT}:thumbnailer-dead-letters`,
];
/** The one grant with a condition: listing the uploads bucket, only under the source prefix. */
const LIST_CONDITION = { StringLike: { 's3:prefix': ['incoming/*'] } };

// Moving the live and previous aliases terraform/lambda created; no CreateAlias, no version listing.
const DEPLOY_LAMBDA_ACTIONS = [
  'GetAlias',
  'GetFunction',
  'GetFunctionConfiguration',
  'InvokeFunction',
  'PublishVersion',
  'UpdateAlias',
  'UpdateFunctionCode',
];
const DEPLOY_ECR_ACTIONS = [
  'BatchCheckLayerAvailability',
  'BatchGetImage',
  'CompleteLayerUpload',
  'DescribeImages',
  'GetDownloadUrlForLayer',
  'InitiateLayerUpload',
  'PutImage',
  'UploadLayerPart',
];

/** Everything `npm run deploy` and the image push need: this repository, this function, the canary. */
const DEPLOY_GRANTS = [
  'ecr:GetAuthorizationToken *',
  ...DEPLOY_ECR_ACTIONS.map((action) => `ecr:${action} ${REPOSITORY}`),
  ...DEPLOY_LAMBDA_ACTIONS.flatMap((action) => [
    `lambda:${action} ${FUNCTION}`,
    `lambda:${action} ${FUNCTION}:*`,
  ]),
  `s3:GetObject ${THUMBNAILS}/thumbs/incoming/thumbnailer-canary/*`,
  `s3:GetObject ${UPLOADS}/incoming/thumbnailer-canary/*`,
  `s3:PutObject ${UPLOADS}/incoming/thumbnailer-canary/*`,
].sort();

/**
 * Everything a Batch Operations backfill job may do: invoke the function's published versions (never the
 * unqualified function), read the manifests and write the reports where src/tools/backfill puts them, and
 * list the source bucket (the manifest generator), within the source prefix (checked below).
 */
const BACKFILL_GRANTS = [
  `lambda:InvokeFunction ${FUNCTION}:*`,
  `s3:GetObject ${THUMBNAILS}/${MANIFEST_PREFIX}/*`,
  `s3:GetObjectVersion ${THUMBNAILS}/${MANIFEST_PREFIX}/*`,
  `s3:ListBucket ${UPLOADS}`,
  `s3:PutObject ${THUMBNAILS}/${REPORT_PREFIX}/*`,
];

/**
 * Least privilege, read from the plan itself (`terraform show -json`): the exact grants of both roles,
 * who may assume them, and rules no resource may break. A statement that widens fails here, in review,
 * before anything is applied.
 */
describeTier(['terraform', 'moto'], 'terraform plan: least privilege', () => {
  let moto: RunningMoto;
  let plan: PlanJson;
  let lambdaPlan: PlanJson;

  beforeAll(async () => {
    moto = await startMotoServer();
    const workspace = await terraformWorkspace(awsEnvironment(moto, REGION));
    await workspace.init('dependencies');
    plan = await planJson(
      workspace,
      'dependencies',
      '-var=source_prefix=incoming/',
      '-var=thumbnail_prefix=thumbs/',
      '-var=metadata_table=true',
      '-var=github_repository=acme/thumbnailer',
      `-var=github_oidc_provider_arn=${OIDC_PROVIDER}`,
      `-var=delivery_distribution_arn=${DISTRIBUTION}`,
    );
    lambdaPlan = await planLambdaStack(workspace);
  }, 3 * MINUTES);
  afterAll(async () => {
    await moto.stop();
  });

  it('lets the function read only uploads, write only thumbnails, log only to its group, send only to its DLQ', () => {
    expect(grants(policyAt(plan, 'aws_iam_role_policy.execution'))).toEqual(EXECUTION_GRANTS);
  });

  it('lets the function list the uploads bucket only under the source prefix', () => {
    const statements = policyAt(plan, 'aws_iam_role_policy.execution').Statement;
    const listing = statements.filter((statement) =>
      JSON.stringify(statement.Action).includes('s3:ListBucket'),
    );
    expect(listing).toEqual([expect.objectContaining({ Resource: [UPLOADS], Condition: LIST_CONDITION })]);
  });

  it('lets the function invalidate only the delivery distribution, by its exact ARN', () => {
    const statements = policyAt(plan, 'aws_iam_role_policy.execution').Statement;
    const cloudFront = statements.filter((statement) =>
      JSON.stringify(statement.Action).includes('cloudfront:'),
    );
    expect(cloudFront).toEqual([
      {
        Sid: 'InvalidateDeliveredRenditions',
        Effect: 'Allow',
        Action: ['cloudfront:CreateInvalidation'],
        Resource: [DISTRIBUTION],
      },
    ]);
  });

  it('lets only Lambda, for this account, assume the execution role', () => {
    expect(policyAt(plan, 'aws_iam_role.execution', 'assume_role_policy').Statement).toEqual([
      {
        Effect: 'Allow',
        Principal: { Service: 'lambda.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } },
      },
    ]);
  });

  it('lets the deploy role do only what the deploy needs', () => {
    expect(grants(policyAt(plan, 'aws_iam_role_policy.deploy[0]'))).toEqual(DEPLOY_GRANTS);
  });

  it('lets only GitHub Actions runs on main of the one repository assume the deploy role', () => {
    expect(policyAt(plan, 'aws_iam_role.deploy[0]', 'assume_role_policy').Statement).toEqual([
      {
        Effect: 'Allow',
        Principal: { Federated: OIDC_PROVIDER },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: {
            'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
            'token.actions.githubusercontent.com:sub': 'repo:acme/thumbnailer:ref:refs/heads/main',
          },
        },
      },
    ]);
  });

  it('lets only the delivery distribution read the thumbnails, only under the prefix; nothing reads uploads', () => {
    const readers = (address: string) =>
      policyAt(plan, address).Statement.filter((statement) => statement.Effect === 'Allow');
    expect(readers('aws_s3_bucket_policy.tls_only["thumbnail"]')).toEqual([
      {
        Sid: 'ReadThroughDeliveryDistribution',
        Effect: 'Allow',
        Principal: { Service: 'cloudfront.amazonaws.com' },
        Action: 's3:GetObject',
        Resource: `${THUMBNAILS}/thumbs/*`,
        Condition: { StringEquals: { 'AWS:SourceArn': DISTRIBUTION } },
      },
    ]);
    expect(readers('aws_s3_bucket_policy.tls_only["source"]')).toEqual([]);
  });

  it('lets only S3, for the uploads bucket of this account, invoke the function, and only its live alias', () => {
    const permissions = resources(lambdaPlan, 'aws_lambda_permission').map(({ values }) => values);
    expect(permissions).toEqual([
      expect.objectContaining({
        action: 'lambda:InvokeFunction',
        function_name: 'thumbnailer',
        qualifier: 'live',
        principal: 's3.amazonaws.com',
        source_arn: UPLOADS,
        source_account: ACCOUNT,
      }),
    ]);
    expect(auditPlan(lambdaPlan)).toEqual([]);
  });

  it('lets the backfill role invoke only function versions, read only manifests, write only reports', () => {
    const policy = policyAt(lambdaPlan, 'aws_iam_role_policy.backfill');
    expect(grants(policy)).toEqual(BACKFILL_GRANTS);
    expect(policy.Statement.find(({ Action }) => String(Action) === 's3:ListBucket')?.Condition).toEqual({
      StringLike: { 's3:prefix': ['incoming/*'] },
    });
  });

  it('lets only S3 Batch Operations, for this account, assume the backfill role', () => {
    expect(policyAt(lambdaPlan, 'aws_iam_role.backfill', 'assume_role_policy').Statement).toEqual([
      {
        Effect: 'Allow',
        Principal: { Service: 'batchoperations.s3.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } },
      },
    ]);
  });

  it.each<[string, (statement: Record<string, unknown>) => void]>([
    ['the unqualified function', (statement) => (statement.Resource = [FUNCTION])],
    ['another action', (statement) => (statement.Action = ['lambda:InvokeFunction', 'lambda:GetFunction'])],
  ])('would fail on a backfill grant widened to %s', (_name, widen) => {
    const copy = structuredClone(lambdaPlan) as {
      planned_values: { root_module: { resources: PlannedResource[] } };
    };
    const values = copy.planned_values.root_module.resources.find(
      ({ address }) => address === 'aws_iam_role_policy.backfill',
    )?.values as { policy: string };
    const document = JSON.parse(values.policy) as { Statement: Array<Record<string, unknown>> };
    widen(document.Statement[0] as Record<string, unknown>);
    values.policy = JSON.stringify(document);
    expect(grants(policyAt(copy, 'aws_iam_role_policy.backfill'))).not.toEqual(BACKFILL_GRANTS);
  });

  it('breaks no rule: no wildcards, no public principal, buckets private, encrypted and TLS-only', async () => {
    expect(
      plan.planned_values.root_module.resources.filter(({ type }) => type === 'aws_s3_bucket'),
    ).toHaveLength(2);
    expect(auditPlan(plan)).toEqual([]);
    await reportFigures('least-privilege', {
      executionGrants: EXECUTION_GRANTS.length,
      deployGrants: DEPLOY_GRANTS.length,
      resourcesAudited:
        plan.planned_values.root_module.resources.length +
        lambdaPlan.planned_values.root_module.resources.length,
      problems: auditPlan(plan).length + auditPlan(lambdaPlan).length,
    });
  });

  /** A copy of the plan with one resource's values changed (or a resource added). */
  const widened = (change: (resources: PlannedResource[]) => void): PlanJson => {
    const copy = structuredClone(plan) as {
      planned_values: { root_module: { resources: PlannedResource[] } };
    };
    change(copy.planned_values.root_module.resources);
    return copy;
  };
  const valuesOf = (resources: PlannedResource[], address: string) =>
    (resources.find((resource) => resource.address === address) as PlannedResource).values;
  const editPolicy = (
    resources: PlannedResource[],
    address: string,
    edit: (document: { Statement: Array<Record<string, unknown>> }) => void,
  ) => {
    const values = valuesOf(resources, address);
    const document = JSON.parse(String(values.policy)) as { Statement: Array<Record<string, unknown>> };
    edit(document);
    values.policy = JSON.stringify(document);
  };

  it.each<[string, (resources: PlannedResource[]) => void, RegExp]>([
    [
      'a wildcard action',
      (resources) => {
        editPolicy(resources, 'aws_iam_role_policy.execution', (document) => {
          (document.Statement[0] as Record<string, unknown>).Action = ['s3:*'];
        });
      },
      /wildcard action s3:\*/,
    ],
    [
      'a "*" resource',
      (resources) => {
        editPolicy(resources, 'aws_iam_role_policy.deploy[0]', (document) => {
          (document.Statement[2] as Record<string, unknown>).Resource = '*';
        });
      },
      /DeployFunction: Resource "\*"/,
    ],
    [
      'a public principal',
      (resources) => {
        editPolicy(resources, 'aws_ecr_repository_policy.function', (document) => {
          (document.Statement[0] as Record<string, unknown>).Principal = { AWS: '*' };
        });
      },
      /LambdaPull: allows any principal/,
    ],
    [
      'a public access block turned off',
      (resources) => {
        valuesOf(resources, 'aws_s3_bucket_public_access_block.this["thumbnail"]').block_public_policy =
          false;
      },
      /thumbnails-.*: public access not fully blocked/,
    ],
    [
      'a bucket without default encryption',
      (resources) => {
        resources.splice(
          resources.findIndex(
            ({ address }) => address === 'aws_s3_bucket_server_side_encryption_configuration.this["source"]',
          ),
          1,
        );
      },
      /uploads-.*: no default encryption/,
    ],
    [
      'plain HTTP allowed',
      (resources) => {
        editPolicy(resources, 'aws_s3_bucket_policy.tls_only["source"]', (document) => {
          document.Statement = [];
        });
      },
      /uploads-.*: not TLS-only/,
    ],
    [
      'a managed policy attached',
      (resources) => {
        resources.push({
          address: 'aws_iam_role_policy_attachment.admin',
          type: 'aws_iam_role_policy_attachment',
          values: { policy_arn: 'arn:aws:iam::aws:policy/AdministratorAccess' },
        });
      },
      /aws_iam_role_policy_attachment.admin: not allowed here/,
    ],
    [
      'a bucket readable by CloudFront on behalf of any distribution',
      (resources) => {
        editPolicy(resources, 'aws_s3_bucket_policy.tls_only["thumbnail"]', (document) => {
          delete (document.Statement[1] as Record<string, unknown>).Condition;
        });
      },
      /ReadThroughDeliveryDistribution: a service allowed with no aws:SourceArn/,
    ],
    [
      'a function URL anyone can call',
      (resources) => {
        resources.push({
          address: 'aws_lambda_function_url.open',
          type: 'aws_lambda_function_url',
          values: { authorization_type: 'NONE' },
        });
      },
      /aws_lambda_function_url.open: callable without SigV4/,
    ],
    [
      'an invoke permission for every distribution',
      (resources) => {
        resources.push({
          address: 'aws_lambda_permission.any_distribution',
          type: 'aws_lambda_permission',
          values: { principal: 'cloudfront.amazonaws.com', source_arn: null },
        });
      },
      /any_distribution: any cloudfront.amazonaws.com resource may invoke/,
    ],
  ])('would fail on %s', (_name, change, problem) => {
    expect(auditPlan(widened(change))).toEqual([expect.stringMatching(problem)]);
  });

  it('would fail on a listing no longer scoped to the source prefix', () => {
    const plan = widened((resources) => {
      editPolicy(resources, 'aws_iam_role_policy.execution', (document) => {
        const listing = document.Statement.find((statement) => statement.Sid === 'TellDeletedUploads');
        delete listing?.Condition;
      });
    });
    const statements = policyAt(plan, 'aws_iam_role_policy.execution').Statement;
    expect(statements.find((statement) => statement.Sid === 'TellDeletedUploads')?.Condition).not.toEqual(
      LIST_CONDITION,
    );
  });

  it('would fail on one extra action, even a harmless-looking one', () => {
    const plan = widened((resources) => {
      editPolicy(resources, 'aws_iam_role_policy.execution', (document) => {
        (document.Statement[0] as Record<string, unknown>).Action = ['s3:GetObject', 's3:DeleteObject'];
      });
    });
    expect(grants(policyAt(plan, 'aws_iam_role_policy.execution'))).not.toEqual(EXECUTION_GRANTS);
  });
});

/**
 * The lambda stack's plan, over a dependencies state holding only the outputs it reads (the stack reads
 * nothing else from it), so that no apply is needed to review it.
 */
async function planLambdaStack(workspace: Workspace): Promise<PlanJson> {
  const outputs = {
    account_id: ACCOUNT,
    dead_letter_queue_arn: `arn:aws:sqs:${REGION}:${ACCOUNT}:thumbnailer-dead-letters`,
    dead_letter_queue_name: 'thumbnailer-dead-letters',
    execution_role_arn: `arn:aws:iam::${ACCOUNT}:role/thumbnailer-execution`,
    function_name: 'thumbnailer',
    source_bucket: `thumbnailer-uploads-${ACCOUNT}-${REGION}`,
    source_bucket_arn: UPLOADS,
    source_prefix: 'incoming/',
    thumbnail_bucket: `thumbnailer-thumbnails-${ACCOUNT}-${REGION}`,
    thumbnail_prefix: 'thumbs/',
  };
  const state = join(workspace.root, 'dependencies-outputs.tfstate');
  await writeFile(
    state,
    JSON.stringify({
      version: 4,
      terraform_version: '1.11.4',
      serial: 1,
      lineage: '00000000-0000-4000-8000-000000000000',
      outputs: Object.fromEntries(
        Object.entries(outputs).map(([name, value]) => [name, { value, type: 'string' }]),
      ),
      resources: [],
    }),
  );
  await workspace.init('lambda');
  return planJson(
    workspace,
    'lambda',
    `-var=dependencies_state_path=${state}`,
    `-var=image_uri=${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/thumbnailer@sha256:${'a'.repeat(64)}`,
    '-var=alarm_email=ops@example.com',
  );
}

type Workspace = Awaited<ReturnType<typeof terraformWorkspace>>;

/** `terraform plan` of one stack with the shared variables and `variables`, as `terraform show -json` reads it. */
async function planJson(
  workspace: Workspace,
  stack: 'dependencies' | 'lambda',
  ...variables: string[]
): Promise<PlanJson> {
  const planned = await workspace.terraform(
    stack,
    'plan',
    '-out=plan.bin',
    '-var-file=../shared.tfvars',
    ...variables,
  );
  if (planned.code !== 0) {
    throw new Error(`terraform plan (${stack}) failed:\n${planned.stdout}\n${planned.stderr}`);
  }
  return JSON.parse((await workspace.terraform(stack, 'show', '-json', 'plan.bin')).stdout) as PlanJson;
}
