/** Runs one AWS CLI command against the emulator and returns its JSON answer. */
export type AwsCli = (...args: string[]) => Promise<unknown>;

/** What the project's stacks and scripts can leave in an account, by kind. */
export async function accountLeftovers(aws: AwsCli) {
  const list = async <T>(args: string[], pick: (answer: never) => T[] | undefined): Promise<T[]> =>
    pick((await aws(...args)) as never) ?? [];
  return {
    buckets: await list(['s3api', 'list-buckets'], (answer: { Buckets: unknown[] }) => answer.Buckets),
    functions: await list(
      ['lambda', 'list-functions'],
      (answer: { Functions: unknown[] }) => answer.Functions,
    ),
    repositories: await list(
      ['ecr', 'describe-repositories'],
      (answer: { repositories: unknown[] }) => answer.repositories,
    ),
    // `list-queues` prints nothing at all when there is no queue.
    queues: await list(['sqs', 'list-queues'], (answer?: { QueueUrls?: unknown[] }) => answer?.QueueUrls),
    roles: await list(['iam', 'list-roles'], (answer: { Roles: Array<{ RoleName: string }> }) =>
      answer.Roles.filter((role) => role.RoleName.startsWith('thumbnailer')),
    ),
    logGroups: await list(
      ['logs', 'describe-log-groups'],
      (answer: { logGroups: unknown[] }) => answer.logGroups,
    ),
    topics: await list(['sns', 'list-topics'], (answer: { Topics: unknown[] }) => answer.Topics),
    alarms: await list(
      ['cloudwatch', 'describe-alarms'],
      (answer: { MetricAlarms: unknown[] }) => answer.MetricAlarms,
    ),
    tables: await list(['dynamodb', 'list-tables'], (answer: { TableNames: unknown[] }) => answer.TableNames),
    oidcProviders: await list(
      ['iam', 'list-open-id-connect-providers'],
      (answer: { OpenIDConnectProviderList: unknown[] }) => answer.OpenIDConnectProviderList,
    ),
    distributions: await list(
      ['cloudfront', 'list-distributions'],
      (answer?: { DistributionList?: { Items?: unknown[] } }) => answer?.DistributionList?.Items,
    ),
  };
}

/** An account with none of it. */
export const NOTHING_LEFT = {
  buckets: [],
  functions: [],
  repositories: [],
  queues: [],
  roles: [],
  logGroups: [],
  topics: [],
  alarms: [],
  tables: [],
  oidcProviders: [],
  distributions: [],
};
