import { GetAliasCommand, GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { S3ControlClient } from '@aws-sdk/client-s3-control';
import { mockClient } from 'aws-sdk-client-mock';
import { type AwsArguments, parseBackfillArguments } from '../../src/tools/backfill/backfillArguments';
import type { AwsHost } from '../../src/tools/backfill/aws/awsRun';
import { ProgressDisplay } from '../../src/tools/backfill/progress';
import type { TestS3 } from './localS3';

export const ACCOUNT = '123456789012';
export const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/thumbnailer-backfill`;
export const FUNCTION_ARN = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:thumbnailer`;

/**
 * A host for the AWS side of backfill: S3 is the project's S3 server (real requests); S3 Control is
 * faked with aws-sdk-client-mock because no server here has Batch Operations jobs (moto has none), and
 * Lambda's alias lookup beside it, since moto cannot hold an image function's published versions here.
 */
export function jobHost(s3: TestS3, variables: Record<string, string>) {
  const s3control = new S3ControlClient({ region: 'us-east-1' });
  const lambda = new LambdaClient({ region: 'us-east-1' });
  const control = mockClient(s3control);
  const lambdaMock = mockClient(lambda);
  lambdaMock.on(GetAliasCommand).resolves({ FunctionVersion: '7', Name: 'live' });
  lambdaMock.on(GetFunctionConfigurationCommand).resolves({
    FunctionArn: `${FUNCTION_ARN}:7`,
    MemorySize: 512,
    Environment: { Variables: variables },
  });
  const printed: string[] = [];
  const answers: boolean[] = [];
  const quiet = { isTTY: false, write: () => true } as unknown as NodeJS.WriteStream;
  const host: AwsHost = {
    s3: s3.s3,
    s3control,
    lambda,
    print: (line) => printed.push(line),
    progress: new ProgressDisplay(quiet),
    sleep: () => Promise.resolve(),
    confirm: () => Promise.resolve(answers.shift() ?? false),
  };
  return { host, control, lambdaMock, printed, answers };
}

/** The command line of an AWS backfill, parsed as the command parses it. */
export function awsArgs(...flags: string[]): AwsArguments {
  const args = parseBackfillArguments(['--function', 'thumbnailer', '--role-arn', ROLE_ARN, ...flags], {});
  if (args?.mode !== 'aws') {
    throw new Error(`not an AWS backfill: ${flags.join(' ')}`);
  }
  return args;
}
