import { errorName, httpStatusOf, messageOf } from '../../common/errors';

/** A deploy or rollback that stopped for a reason the operator can act on: what happened, and what next. */
export class DeployError extends Error {
  override readonly name: string = 'DeployError';

  constructor(
    message: string,
    readonly hint?: string,
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

const DENIED = new Set(['AccessDeniedException', 'AccessDenied', 'UnrecognizedClientException']);
const MISSING = new Set([
  'ResourceNotFoundException',
  'NotFound',
  'NoSuchBucket',
  'NoSuchKey',
  'ImageNotFoundException',
  'RepositoryNotFoundException',
]);
// A RevisionId that no longer matches, or a function another update (a terraform apply) holds.
const CHANGED = new Set(['PreconditionFailedException', 'ResourceConflictException']);

/** The failure of an AWS call as a {@link DeployError} when it has a clear cause; otherwise unchanged. */
export function explainAwsError(error: unknown, context: CallContext): unknown {
  const name = errorName(error) ?? '';
  const status = httpStatusOf(error);
  if (DENIED.has(name) || (status === 403 && !MISSING.has(name))) {
    return new DeployError(
      `${context.doing}: access denied (${name}: ${messageOf(error)})`,
      `the credentials in use need ${context.action} on ${context.resource}; the deploy role that ` +
        'terraform/dependencies creates (github_oidc.tf) has exactly the permissions a deploy needs',
    );
  }
  if (MISSING.has(name) || status === 404) {
    return new DeployError(`${context.doing}: not found (${messageOf(error)})`, context.missingHint);
  }
  if (CHANGED.has(name)) {
    return new DeployError(
      `${context.doing}: it changed since it was read (${name}: ${messageOf(error)})`,
      'another deploy, rollback or terraform apply ran at the same time; run this again once it is done',
    );
  }
  return error;
}

/** Runs one AWS call, turning a denial, a missing resource or a lost race into a {@link DeployError}. */
export async function awsCall<T>(context: CallContext, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw explainAwsError(error, context);
  }
}
