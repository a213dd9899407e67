/**
 * The Lambda entry point (image CMD `index.handler`). Everything here runs once per execution environment,
 * at init: a bad configuration fails the init with a message naming every bad variable, instead of failing
 * each upload later.
 */
import { loadConfig } from './config';
import { createS3EventHandler } from './handlers/s3Event';
import { createObservability } from '../aws/observability';
import { createS3Client } from '../aws/s3/client';
import { createEventBridgePublisher } from '../aws/events/eventBridge';
import { createMetadataTable } from '../aws/dynamodb/metadataTable';

const config = loadConfig(process.env);

export const handler = createS3EventHandler({
  ...createObservability(process.env),
  s3: createS3Client(config),
  config,
  publisher: config.eventBusName === undefined ? undefined : createEventBridgePublisher(config.eventBusName),
  metadata: config.metadataTable === undefined ? undefined : createMetadataTable(config.metadataTable),
});
