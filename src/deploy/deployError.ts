import { httpStatusOf } from '../s3/httpStatusOf';

/** A deploy that stopped for a reason the operator can act on: what happened, and what to do next. */
export class DeployError extends Error {
  override readonly name: string = 'DeployError';

  constructor(
    message: string,
    readonly hint?: string,
    /** Set when an AWS call failed this way, for callers to whom "not there" is an answer. */
    readonly failure?: 'access-denied' | 'not-found',
  ) {
    super(message);
  }
}

/** What a call was for, so that its failure can say so. */
export interface CallContext {
  /** "reading function thumbnailer", in the words of the failure message. */
  readonly doing: string;
  /** The IAM action the call needs, e.g. `lambda:GetFunction`. */
  readonly action: string;
  /** The resource the action is on (ARN or name). */
  readonly resource: string;
  /** Said when the thing is not there. */
  readonly missingHint?: string;
}

const DENIED = new Set([
  'AccessDeniedException',
  'AccessDenied',
  'UnauthorizedOperation',
  'UnrecognizedClientException',
]);
const MISSING = new Set([
  'ResourceNotFoundException',
  'NotFound',
  'NoSuchBucket',
  'NoSuchKey',
  'ImageNotFoundException',
  'RepositoryNotFoundException',
]);

const errorName = (error: unknown): string => (error instanceof Error ? error.name : '');

/** The failure of an AWS call as a {@link DeployError} when it has a clear cause; otherwise unchanged. */
export function explainAwsError(error: unknown, context: CallContext): unknown {
  const name = errorName(error);
  const message = error instanceof Error ? error.message : String(error);
  if (DENIED.has(name) || (httpStatusOf(error) === 403 && !MISSING.has(name))) {
    return new DeployError(
      `${context.doing}: access denied (${name}: ${message})`,
      `the credentials in use need ${context.action} on ${context.resource}; the deploy role that ` +
        'terraform/dependencies creates (github_oidc.tf) has exactly the permissions a deploy needs',
      'access-denied',
    );
  }
  if (MISSING.has(name) || httpStatusOf(error) === 404) {
    return new DeployError(`${context.doing}: not found (${message})`, context.missingHint, 'not-found');
  }
  return error;
}

/** Runs one AWS call, turning a denial or a missing resource into a {@link DeployError}. */
export async function awsCall<T>(context: CallContext, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw explainAwsError(error, context);
  }
}
