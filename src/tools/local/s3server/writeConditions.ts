import { currentRequest } from './requestState';
import { s3Error, type S3rverMiddleware } from './s3rverInternals';

/**
 * S3's conditional writes: PutObject and CompleteMultipartUpload with `If-None-Match: *` store only when
 * the key holds nothing, and with `If-Match` only over that version. s3rver ignored both headers (so two
 * writers each told "only if absent" both won). The check itself is made under the key's lock when the
 * new version is committed (atomicPut); this notes the request's conditions for it.
 */
/** Whether the request writes the object its path names (a PutObject or a CompleteMultipartUpload). */
function writesObject(context: Parameters<S3rverMiddleware>[0]): boolean {
  if (currentRequest()?.target?.key === undefined) {
    return false;
  }
  const { uploadId } = context.query;
  if (context.method === 'POST') {
    return typeof uploadId === 'string';
  }
  return (
    context.method === 'PUT' && uploadId === undefined && context.headers['x-amz-copy-source'] === undefined
  );
}

export const noteWriteConditions: S3rverMiddleware = async (context, next) => {
  const state = currentRequest();
  const { 'if-match': ifMatch, 'if-none-match': ifNoneMatch } = context.headers;
  if (state !== undefined && (ifMatch !== undefined || ifNoneMatch !== undefined) && writesObject(context)) {
    if (ifNoneMatch !== undefined && ifNoneMatch.trim() !== '*') {
      throw s3Error('NotImplemented', 'A header you provided implies functionality that is not implemented', {
        Header: 'If-None-Match',
      });
    }
    state.writeCondition = { ifMatch, ifNoneMatch };
  }
  await next();
};
