/**
 * The Lambda entry module (image CMD `index.handler`). Everything here runs once per execution environment,
 * at init: a bad configuration fails the init with a message naming every bad variable, instead of failing
 * each upload later. `handler` dispatches by event shape; each entry point is also exported by name, for
 * an image_config.command that names one.
 */
import { loadConfig } from './config';
import { createBatchOperationsHandler } from './handlers/batchOperations';
import { dispatchByShape } from './handlers/dispatch';
import { createFunctionUrlHandler } from './handlers/functionUrl';
import { createS3EventHandler } from './handlers/s3Event';
import { createObservability } from '../aws/observability';
import { createS3Client } from '../aws/s3/client';
import { createEventBridgePublisher } from '../aws/events/eventBridge';
import { createMetadataTable } from '../aws/dynamodb/metadataTable';

const config = loadConfig(process.env);
const dependencies = {
  ...createObservability(process.env),
  s3: createS3Client(config),
  config,
  publisher: config.eventBusName === undefined ? undefined : createEventBridgePublisher(config.eventBusName),
  metadata: config.metadataTable === undefined ? undefined : createMetadataTable(config.metadataTable),
};

export const s3EventHandler = createS3EventHandler(dependencies);
export const batchOperationsHandler = createBatchOperationsHandler(dependencies);
export const functionUrlHandler = createFunctionUrlHandler(dependencies);
export const handler = dispatchByShape({
  s3Event: s3EventHandler,
  batchOperations: batchOperationsHandler,
  functionUrl: functionUrlHandler,
});
