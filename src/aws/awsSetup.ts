import { errorName, messageOf } from '../common/errors';

/** An AWS setting the environment lacks: a usage problem (exit 2), with what to set. */
export interface AwsSetupProblem {
  readonly message: string;
  readonly hint: string;
}

/**
 * Whether `error` says the AWS SDK was never set up (no region, no credentials) rather than that a call
 * failed: `npm run deploy` without AWS_REGION printed "deploy failed: Region is missing", exit 1, with
 * nothing to do next. Undefined for any other error.
 */
export function awsSetupProblem(error: unknown): AwsSetupProblem | undefined {
  const message = messageOf(error);
  if (/^Region is missing/i.test(message)) {
    return {
      message: 'no AWS region is set',
      hint: 'set AWS_REGION (for example AWS_REGION=eu-west-1), or a region in the profile AWS_PROFILE names',
    };
  }
  if (errorName(error) === 'CredentialsProviderError' || /Could not load credentials/i.test(message)) {
    return {
      message: `no AWS credentials were found (${message.split('\n')[0] ?? ''})`,
      hint: 'set AWS_PROFILE (after `aws sso login` or `aws configure`), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY',
    };
  }
  return undefined;
}
