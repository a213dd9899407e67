import type { LambdaFunctionURLEvent, LambdaFunctionURLResult } from 'aws-lambda';

/**
 * Lambda function URL events (payload format 2.0, as CloudFront's requests to the on-demand origin
 * arrive): only they carry `requestContext.http`, which is how the image's `index.handler` tells them
 * from S3 notifications and Batch Operations invocations.
 */
export function isFunctionUrlEvent(event: unknown): event is LambdaFunctionURLEvent {
  if (typeof event !== 'object' || event === null || !('requestContext' in event)) return false;
  const { requestContext } = event;
  return typeof requestContext === 'object' && requestContext !== null && 'http' in requestContext;
}

/**
 * The method and path of a function URL request. `rawPath` is the path as it was sent, percent-encoding
 * kept (`requestContext.http.path` is not used: the path's one reading is the caller's to decode). An
 * event without them reads as a request no route serves.
 */
export function requestOf(event: LambdaFunctionURLEvent): { method: string; path: string } {
  const method = typeof event.requestContext.http.method === 'string' ? event.requestContext.http.method : '';
  const path = typeof event.rawPath === 'string' ? event.rawPath : '';
  return { method: method.toUpperCase(), path };
}

/** A response as a function URL returns it: the body base64-encoded, so that any bytes pass. */
export function functionUrlResult(response: {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body?: Buffer | undefined;
}): LambdaFunctionURLResult {
  const { statusCode, headers, body } = response;
  return body === undefined
    ? { statusCode, headers, isBase64Encoded: false }
    : { statusCode, headers, body: body.toString('base64'), isBase64Encoded: true };
}
