import { removeObject } from './atomicPut';
import { checkKeyLength } from './keyRouting';
import type { KeyLocks } from './keyLocks';
import { currentRequest } from './requestState';
import { emitEvent, s3Error, type S3rverApp, type S3rverMiddleware } from './s3rverInternals';
import {
  escapeXml,
  malformedXml,
  readXmlBody,
  xmlChildText,
  xmlElements,
  xmlRoot,
  xmlText,
} from './xmlBodies';

/**
 * DeleteObjects. s3rver parsed the key list with numbers made numbers (`<Key>007</Key>` deleted `7`, and a
 * number key failed the request with a 500), deleted every key at once (so two keys in one folder raced
 * to remove it and the request failed half done), removed empty folders by the raw key (for `../` keys,
 * folders outside the bucket), and sent no ObjectRemoved events at all. Here each key is deleted through
 * the store's locked removal and announced, and each failure reported for its key, as S3 does.
 */

const MAX_KEYS = 1000;
/** 1,000 keys of up to 1,024 bytes, escaped, in their elements. */
const MAX_BODY_BYTES = 8 * 1024 * 1024;

interface DeleteRequest {
  readonly keys: readonly string[];
  readonly quiet: boolean;
}

export function parseDeleteRequest(xml: string): DeleteRequest {
  const root = xmlRoot(xml, 'Delete');
  const keys = xmlElements(root, 'Object').map((object) => xmlChildText(object, 'Key'));
  if (keys.length === 0 || keys.length > MAX_KEYS) {
    throw malformedXml();
  }
  const [quiet] = xmlElements(root, 'Quiet');
  return { keys, quiet: quiet !== undefined && xmlText(quiet).trim() === 'true' };
}

type Outcome =
  { readonly key: string } | { readonly key: string; readonly code: string; readonly message: string };

async function deleteOne(
  app: S3rverApp,
  locks: KeyLocks,
  bucket: string,
  key: string,
  ip: string,
): Promise<Outcome> {
  try {
    if (key === '') {
      throw s3Error('UserKeyMustBeSpecified', 'The request was missing a required key.');
    }
    checkKeyLength(key);
    if (await removeObject(app.store, locks, bucket, key)) {
      emitEvent(app, 'ObjectRemoved:Delete', bucket, key, ip);
    }
    return { key };
  } catch (error) {
    const { code, message } = error as { code?: unknown; message?: unknown };
    return { key, code: typeof code === 'string' ? code : 'InternalError', message: String(message) };
  }
}

function resultXml(outcomes: readonly Outcome[], quiet: boolean): string {
  const entries = outcomes.map((outcome) =>
    'code' in outcome
      ? `<Error><Key>${escapeXml(outcome.key)}</Key><Code>${outcome.code}</Code><Message>${escapeXml(outcome.message)}</Message></Error>`
      : quiet
        ? ''
        : `<Deleted><Key>${escapeXml(outcome.key)}</Key></Deleted>`,
  );
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">',
    ...entries,
    '</DeleteResult>',
  ].join('');
}

/** The mend: answers POST `/<bucket>?delete` itself. */
export function handleDeleteObjects(app: S3rverApp, locks: KeyLocks): S3rverMiddleware {
  return async (context, next) => {
    const target = currentRequest()?.target;
    if (
      context.method !== 'POST' ||
      target === undefined ||
      target.key !== undefined ||
      !('delete' in context.query)
    ) {
      await next();
      return;
    }
    if ((await app.store.getBucket(target.bucket)) === null) {
      throw s3Error('NoSuchBucket', 'The specified bucket does not exist', { BucketName: target.bucket });
    }
    const request = parseDeleteRequest(await readXmlBody(context.req, MAX_BODY_BYTES));
    const outcomes: Outcome[] = [];
    for (const key of request.keys) {
      outcomes.push(await deleteOne(app, locks, target.bucket, key, context.ip));
    }
    context.type = 'application/xml';
    context.body = resultXml(outcomes, request.quiet);
  };
}
