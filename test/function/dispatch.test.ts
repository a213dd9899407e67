import { dispatchByShape } from '../../src/function/handlers/dispatch';
import { batchInvocation } from '../../src/aws/events/batchInvocation';
import { functionUrlEvent } from '../support/functionUrlEvents';
import { s3Event } from '../support/s3Events';

/** The image's index.handler hands each event to the entry point for its shape (both stand-ins record it). */
describe('index.handler dispatches by event shape', () => {
  const seen: string[] = [];
  const handler = dispatchByShape({
    s3Event: (event) => Promise.resolve(seen.push(`s3:${JSON.stringify(event).length}`)),
    batchOperations: () => Promise.resolve(seen.push('batch')),
    functionUrl: () => Promise.resolve(seen.push('url')),
  });
  beforeEach(() => {
    seen.length = 0;
  });

  it('sends Batch Operations invocations, either schema and even malformed ones, to the batch entry point', async () => {
    await handler(batchInvocation([{ bucket: 'b', key: 'k' }], { schemaVersion: '1.0' }));
    await handler(batchInvocation([{ bucket: 'b', key: 'k' }]));
    await handler({ invocationSchemaVersion: 'nonsense' });
    expect(seen).toEqual(['batch', 'batch', 'batch']);
  });

  it('sends function URL requests (they alone carry requestContext.http) to the function URL entry point', async () => {
    await handler(functionUrlEvent({ path: '/square/photos/cat.jpg.webp' }));
    await handler(functionUrlEvent({ method: 'POST', path: '/' }));
    // API Gateway REST events (payload 1.0) have a requestContext without http: not a function URL's.
    await handler({ requestContext: { httpMethod: 'GET' }, path: '/' });
    expect(seen).toEqual(['url', 'url', expect.stringMatching(/^s3:/)]);
  });

  it('sends S3 notifications, the S3 test event and anything else to the S3 event handler', async () => {
    await handler(s3Event('uploads', [{ key: 'cat.jpg' }]));
    await handler({ Event: 's3:TestEvent', Bucket: 'uploads' });
    await handler({ something: 'else' });
    await handler(null);
    expect(seen.map((entry) => entry.split(':')[0])).toEqual(['s3', 's3', 's3', 's3']);
  });
});
