import type { Context, LambdaFunctionURLEvent } from 'aws-lambda';
import { isBatchInvocation } from '../../aws/events/batchInvocation';
import { isFunctionUrlEvent } from '../../aws/events/functionUrlEvent';

type EntryPoint = (event: unknown, context?: Context) => Promise<unknown>;

/** The image's entry points, one per kind of event that can invoke the function. */
export interface EntryPoints {
  readonly s3Event: EntryPoint;
  readonly batchOperations: EntryPoint;
  readonly functionUrl: (event: LambdaFunctionURLEvent, context?: Context) => Promise<unknown>;
}

/**
 * One function, several callers: `index.handler` hands each event to the entry point for its shape. A
 * Batch Operations invocation says so (`invocationSchemaVersion`), a function URL request carries
 * `requestContext.http`; everything else goes to the S3 event handler, which acknowledges S3's test
 * event and refuses any other shape with an InvalidEventError.
 */
export function dispatchByShape(entryPoints: EntryPoints) {
  return function handler(event: unknown, context?: Context): Promise<unknown> {
    if (isBatchInvocation(event)) return entryPoints.batchOperations(event, context);
    if (isFunctionUrlEvent(event)) return entryPoints.functionUrl(event, context);
    return entryPoints.s3Event(event, context);
  };
}
