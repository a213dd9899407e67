/** The parts of `terraform show -json <plan>` the audit reads. */
export interface PlanJson {
  readonly planned_values: { readonly root_module: { readonly resources: readonly PlannedResource[] } };
}

export interface PlannedResource {
  readonly address: string;
  readonly type: string;
  readonly index?: string | number;
  readonly values: Record<string, unknown>;
}

interface Statement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action?: string | readonly string[];
  readonly NotAction?: unknown;
  readonly Resource?: string | readonly string[];
  readonly NotResource?: unknown;
  readonly Principal?: unknown;
  readonly NotPrincipal?: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

interface PolicyDocument {
  readonly Statement: readonly Statement[];
}

const list = <T>(value: T | readonly T[] | undefined): readonly T[] =>
  value === undefined ? [] : Array.isArray(value) ? (value as readonly T[]) : [value as T];

export const resources = (plan: PlanJson, type: string): readonly PlannedResource[] =>
  plan.planned_values.root_module.resources.filter((resource) => resource.type === type);

/** The JSON policy in attribute `attribute` of the resource at `address`. */
export function policyAt(plan: PlanJson, address: string, attribute = 'policy'): PolicyDocument {
  const resource = plan.planned_values.root_module.resources.find(
    (candidate) => candidate.address === address,
  );
  const text = resource?.values[attribute];
  if (typeof text !== 'string') {
    throw new Error(`${address}.${attribute} is not known at plan time (or ${address} is not in the plan)`);
  }
  return JSON.parse(text) as PolicyDocument;
}

/** Every (action, resource) pair a policy allows, as `action resource`, sorted: the exact grant. */
export function grants(document: PolicyDocument): string[] {
  return document.Statement.filter((statement) => statement.Effect === 'Allow')
    .flatMap((statement) =>
      list(statement.Action).flatMap((action) =>
        list(statement.Resource).map((resource) => `${action} ${resource}`),
      ),
    )
    .sort();
}

type StatementRule = (statement: Statement) => string | undefined;

const isAllow = (statement: Statement) => statement.Effect === 'Allow';

/** Rules for statements that widen by construction, whatever an allowlist says; each names the problem. */
const STATEMENT_RULES: readonly StatementRule[] = [
  (statement) =>
    [statement.NotAction, statement.NotResource, statement.NotPrincipal].some((value) => value !== undefined)
      ? 'NotAction/NotResource/NotPrincipal grant everything else'
      : undefined,
  (statement) => {
    const wildcards = list(statement.Action).filter((action) => action.includes('*'));
    return isAllow(statement) && wildcards.length > 0 ? `wildcard action ${wildcards.join(', ')}` : undefined;
  },
  (statement) => {
    // ecr:GetAuthorizationToken is defined only for Resource "*"; it grants nothing on its own.
    const tokenOnly = list(statement.Action).join() === 'ecr:GetAuthorizationToken';
    return isAllow(statement) && list(statement.Resource).includes('*') && !tokenOnly
      ? 'Resource "*"'
      : undefined;
  },
  (statement) => {
    const anyone =
      statement.Principal === '*' || JSON.stringify(statement.Principal ?? '').includes('"AWS":"*"');
    return isAllow(statement) && anyone ? 'allows any principal' : undefined;
  },
];

function broadStatements(address: string, document: PolicyDocument): string[] {
  return document.Statement.flatMap((statement) =>
    STATEMENT_RULES.flatMap((rule) => {
      const problem = rule(statement);
      return problem === undefined ? [] : [`${address} ${statement.Sid ?? '(no Sid)'}: ${problem}`];
    }),
  );
}

const BLOCK_ALL = [
  'block_public_acls',
  'block_public_policy',
  'ignore_public_acls',
  'restrict_public_buckets',
];

/** The settings resources of one bucket (same `for_each` key), by type. */
type BucketSettings = (type: string) => Record<string, unknown> | undefined;

function deniesPlainHttp(bucket: string, policy: unknown): boolean {
  const document = JSON.parse(typeof policy === 'string' ? policy : '{"Statement":[]}') as PolicyDocument;
  return document.Statement.some(
    (statement) =>
      statement.Effect === 'Deny' &&
      statement.Principal === '*' &&
      list(statement.Action).includes('s3:*') &&
      list(statement.Resource).includes(`arn:aws:s3:::${bucket}`) &&
      list(statement.Resource).includes(`arn:aws:s3:::${bucket}/*`) &&
      statement.Condition?.Bool?.['aws:SecureTransport'] === 'false',
  );
}

/** Rules every bucket must pass; each names the problem. */
const BUCKET_RULES: ReadonlyArray<(bucket: string, settings: BucketSettings) => string | undefined> = [
  (_bucket, settings) => {
    const block = settings('aws_s3_bucket_public_access_block');
    return BLOCK_ALL.every((setting) => block?.[setting] === true)
      ? undefined
      : 'public access not fully blocked';
  },
  (_bucket, settings) =>
    /"sse_algorithm":"(AES256|aws:kms)"/.test(
      JSON.stringify(settings('aws_s3_bucket_server_side_encryption_configuration') ?? {}),
    )
      ? undefined
      : 'no default encryption',
  (_bucket, settings) =>
    JSON.stringify(settings('aws_s3_bucket_ownership_controls') ?? {}).includes(
      '"object_ownership":"BucketOwnerEnforced"',
    )
      ? undefined
      : 'ACLs not disabled (BucketOwnerEnforced)',
  (bucket, settings) =>
    deniesPlainHttp(bucket, settings('aws_s3_bucket_policy')?.policy)
      ? undefined
      : 'not TLS-only (no Deny of s3:* without aws:SecureTransport)',
];

function bucketProblems(plan: PlanJson): string[] {
  return resources(plan, 'aws_s3_bucket').flatMap(({ index, values }) => {
    const bucket = String(values.bucket);
    const settings: BucketSettings = (type) =>
      resources(plan, type).find((resource) => resource.index === index)?.values;
    return BUCKET_RULES.flatMap((rule) => {
      const problem = rule(bucket, settings);
      return problem === undefined ? [] : [`${bucket}: ${problem}`];
    });
  });
}

/** Resource types that would open something up, whatever their settings. */
const FORBIDDEN_TYPES = [
  'aws_s3_bucket_acl',
  'aws_s3_bucket_website_configuration',
  'aws_iam_policy_attachment',
  'aws_iam_role_policy_attachment',
  'aws_iam_user',
  'aws_iam_access_key',
];

/** Who may call the function, by rule: every grant names its caller's ARN, every URL needs SigV4. */
function invocationProblems(plan: PlanJson): string[] {
  return [
    ...resources(plan, 'aws_lambda_function_url')
      .filter(({ values }) => values.authorization_type !== 'AWS_IAM')
      .map(({ address }) => `${address}: callable without SigV4 (authorization_type is not AWS_IAM)`),
    ...resources(plan, 'aws_lambda_permission')
      .filter(({ values }) => typeof values.source_arn !== 'string' || values.source_arn === '')
      .map(({ address, values }) => `${address}: any ${String(values.principal)} resource may invoke`),
  ];
}

/** A service reading a bucket on someone's behalf must say on whose: an aws:SourceArn condition. */
function serviceGrantProblems(address: string, document: PolicyDocument): string[] {
  return document.Statement.filter(
    (statement) =>
      statement.Effect === 'Allow' &&
      JSON.stringify(statement.Principal ?? '').includes('"Service"') &&
      !/"aws:sourcearn"/i.test(JSON.stringify(statement.Condition ?? {})),
  ).map((statement) => `${address} ${statement.Sid ?? '(no Sid)'}: a service allowed with no aws:SourceArn`);
}

/**
 * Everything in a plan that is broader than least privilege, by rule rather than by allowlist: wildcard
 * actions, `*` resources, public principals, managed-policy attachments, long-lived keys, buckets that
 * are not private, encrypted and TLS-only, queues that are not encrypted.
 */
export function auditPlan(plan: PlanJson): string[] {
  const policies = plan.planned_values.root_module.resources.flatMap(({ address, values }) =>
    ['policy', 'assume_role_policy']
      .filter((attribute) => typeof values[attribute] === 'string')
      .map((attribute) => ({
        address: `${address}.${attribute}`,
        document: JSON.parse(String(values[attribute])) as PolicyDocument,
      })),
  );
  // `policy` also names non-IAM JSON (an ECR lifecycle policy's rules): only documents with statements count.
  const iamPolicies = policies.filter(({ document }) => Array.isArray(document.Statement));
  return [
    ...iamPolicies.flatMap(({ address, document }) => broadStatements(address, document)),
    ...iamPolicies
      .filter(({ address }) => address.startsWith('aws_s3_bucket_policy.'))
      .flatMap(({ address, document }) => serviceGrantProblems(address, document)),
    ...invocationProblems(plan),
    ...bucketProblems(plan),
    ...plan.planned_values.root_module.resources
      .filter(({ type }) => FORBIDDEN_TYPES.includes(type))
      .map(({ address }) => `${address}: not allowed here`),
    ...resources(plan, 'aws_sqs_queue')
      .filter(({ values }) => values.sqs_managed_sse_enabled !== true && values.kms_master_key_id === null)
      .map(({ address }) => `${address}: not encrypted`),
  ];
}
