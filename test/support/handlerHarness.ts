import type { S3Client } from '@aws-sdk/client-s3';
import { type Config, loadConfig } from '../../src/function/config';
import { createFunctionUrlHandler } from '../../src/function/handlers/functionUrl';
import { createS3EventHandler, type HandlerDependencies } from '../../src/function/handlers/s3Event';
import type { RecordResult } from '../../src/function/processor/recordOutcome';
import { createObservability } from '../../src/aws/observability';
import type { EventPublisher } from '../../src/aws/events/completionEvents';
import { type S3Endpoint, s3ClientFor } from './s3Client';

export const SOURCE_BUCKET = 'uploads';
export const THUMBNAIL_BUCKET = 'thumbnails';

export interface Harness {
  readonly handler: ReturnType<typeof createS3EventHandler>;
  readonly s3: S3Client;
  readonly config: Config;
}

/**
 * The production handler, wired exactly as the Lambda entry point wires it (same config loader, same
 * Powertools logger and metrics), but pointed at a local S3 server.
 */
export function handlerFor(
  server: S3Endpoint,
  env: Record<string, string> = {},
  maxAttempts?: number,
  extra: Pick<HandlerDependencies, 'invalidator'> = {},
): Harness {
  const s3 = s3ClientFor(server, maxAttempts);
  const config = loadConfig({ THUMBNAIL_BUCKET, ...env });
  return { handler: createS3EventHandler({ ...createObservability({}), s3, config, ...extra }), s3, config };
}

/** The identifying part of each record summary (key, status, reason, output key), for exact comparisons. */
export const brief = (records: readonly RecordResult[]) =>
  records.map(({ key, status, reason, outputKey }) => ({
    key,
    status,
    ...(reason === undefined ? {} : { reason }),
    ...(outputKey === undefined ? {} : { outputKey }),
  }));

/** The function URL entry point, wired as the Lambda entry point wires it, pointed at a local S3 server. */
export function functionUrlHandlerFor(
  server: S3Endpoint,
  env: Record<string, string> = {},
  options: { maxInlineBytes?: number; maxAttempts?: number; publisher?: EventPublisher } = {},
) {
  const s3 = s3ClientFor(server, options.maxAttempts);
  const config = loadConfig({ THUMBNAIL_BUCKET, SOURCE_BUCKET, ...env });
  const { maxInlineBytes, publisher } = options;
  const deps = { ...createObservability({}), s3, config, maxInlineBytes, publisher };
  return { handler: createFunctionUrlHandler(deps), s3, config };
}
