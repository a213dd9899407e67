import { s3Error } from './s3rverInternals';

/**
 * HTTP conditional requests as S3 evaluates them (RFC 9110 section 13). s3rver compared If-None-Match
 * byte for byte with the quoted ETag and ignored If-Match and If-Unmodified-Since, so a reader asking for
 * one version (the Lambda's GetObject with IfMatch) silently got whichever was current.
 */

const bare = (etag: string) => etag.trim().replace(/^W\//, '').replace(/"/g, '');

/** Whether an If-Match / If-None-Match list (`*`, `"a", "b"`, quoted or not) names `etag`. */
export function etagMatches(header: string, etag: string): boolean {
  const wanted = bare(etag);
  return header.split(',').some((candidate) => candidate.trim() === '*' || bare(candidate) === wanted);
}

/** An HTTP date as whole seconds, or undefined when it does not parse (S3 then ignores the header). */
function seconds(header: string | undefined): number | undefined {
  if (header === undefined) {
    return undefined;
  }
  const time = Date.parse(header);
  return Number.isNaN(time) ? undefined : Math.floor(time / 1000);
}

export interface ConditionHeaders {
  readonly 'if-match'?: string | undefined;
  readonly 'if-none-match'?: string | undefined;
  readonly 'if-modified-since'?: string | undefined;
  readonly 'if-unmodified-since'?: string | undefined;
}

export type ReadOutcome = 'proceed' | 'not-modified';

const preconditionFailed = (condition: string) =>
  s3Error('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', {
    Condition: condition,
  });

/**
 * The outcome of a GET or HEAD's conditions against the current version: throws PreconditionFailed
 * (412) for a failed If-Match or If-Unmodified-Since; `not-modified` (304) for If-None-Match or
 * If-Modified-Since. As S3 does, If-Match overrides If-Unmodified-Since and If-None-Match overrides
 * If-Modified-Since.
 */
export function evaluateReadConditions(
  headers: ConditionHeaders,
  etag: string,
  lastModified: Date,
): ReadOutcome {
  const modified = Math.floor(lastModified.getTime() / 1000);
  const ifMatch = headers['if-match'];
  if (ifMatch !== undefined && !etagMatches(ifMatch, etag)) {
    throw preconditionFailed('If-Match');
  }
  const unmodifiedSince = seconds(headers['if-unmodified-since']);
  if (ifMatch === undefined && unmodifiedSince !== undefined && modified > unmodifiedSince) {
    throw preconditionFailed('If-Unmodified-Since');
  }
  const ifNoneMatch = headers['if-none-match'];
  if (ifNoneMatch !== undefined) {
    return etagMatches(ifNoneMatch, etag) ? 'not-modified' : 'proceed';
  }
  const modifiedSince = seconds(headers['if-modified-since']);
  return modifiedSince !== undefined && modified <= modifiedSince ? 'not-modified' : 'proceed';
}
