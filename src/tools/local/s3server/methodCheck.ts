import { currentRequest } from './requestState';
import { s3Error, type S3rverMiddleware } from './s3rverInternals';

/** The methods the S3 API answers; OPTIONS is CORS preflight. */
export const S3_METHODS = ['GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'OPTIONS'] as const;

const known: ReadonlySet<string> = new Set(S3_METHODS);

/**
 * Any other method (PATCH, PROPFIND, a typo) gets S3's XML `405 MethodNotAllowed`, naming the method and
 * what it was aimed at; s3rver's router answered it with a plain-text `404 Not Found`, as if the object
 * were missing. (CONNECT never reaches here: see refuseConnect.)
 */
export const refuseUnknownMethods: S3rverMiddleware = async (context, next) => {
  if (!known.has(context.method)) {
    const target = currentRequest()?.target;
    const resourceType = target?.key !== undefined ? 'OBJECT' : target?.bucket ? 'BUCKET' : 'SERVICE';
    const error = s3Error(
      'MethodNotAllowed',
      'The specified method is not allowed against this resource.',
      { Method: context.method.slice(0, 64), ResourceType: resourceType },
      405,
    );
    // Answered here rather than thrown: s3rver's error writer drops every header but x-amz-*, Allow too.
    context.set('Allow', S3_METHODS.join(', '));
    context.status = 405;
    context.type = 'application/xml';
    context.body = (error as Error & { toXML(): string }).toXML();
    return;
  }
  await next();
};
