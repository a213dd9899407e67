import { type RuntimeApi, startRuntimeApi } from '../support/lambdaRuntimeApi';

// The image tier's Runtime API, spoken to as the runtime interface client speaks to it (plain HTTP). It runs
// everywhere: the tier's own results are only as good as this server.
describe("the image tier's Lambda Runtime API", () => {
  let api: RuntimeApi;
  const url = (path: string) => `http://${api.address}/2018-06-01/runtime${path}`;
  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(url(path), { method: 'POST', body, headers });

  beforeEach(async () => {
    api = await startRuntimeApi();
  });
  afterEach(() => api.stop());

  it('hands a queued event to /next with Lambda headers, and resolves the invocation with /response', async () => {
    const before = Date.now();
    const outcome = api.invoke({ hello: 'world' }, 30_000);
    const next = await fetch(url('/invocation/next'));
    const requestId = next.headers.get('lambda-runtime-aws-request-id') ?? '';
    expect(await next.json()).toEqual({ hello: 'world' });
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number(next.headers.get('lambda-runtime-deadline-ms'))).toBeGreaterThanOrEqual(before + 30_000);
    expect(next.headers.get('lambda-runtime-invoked-function-arn')).toMatch(/^arn:aws:lambda:/);
    expect(next.headers.get('lambda-runtime-trace-id')).toMatch(/^Root=1-/);

    expect((await post(`/invocation/${requestId}/response`, '{"made":1}')).status).toBe(202);
    await expect(outcome).resolves.toEqual({ kind: 'response', payload: { made: 1 } });
    // Answered once: a second answer is refused, as Lambda refuses it.
    const again = await post(`/invocation/${requestId}/response`, '{}');
    expect(again.status).toBe(400);
    expect(await again.json()).toMatchObject({ errorType: 'InvalidRequestID' });
  });

  it('holds /next open until an event arrives, and records /error and /init/error', async () => {
    const waiting = fetch(url('/invocation/next'));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const outcome = api.invoke({ late: true }, 30_000);
    const next = await waiting;
    const requestId = next.headers.get('lambda-runtime-aws-request-id') ?? '';
    const error = { errorType: 'TransientFailureError', errorMessage: 'S3 said 503', stackTrace: ['at x'] };
    await post(`/invocation/${requestId}/error`, JSON.stringify(error), {
      'Lambda-Runtime-Function-Error-Type': 'Unhandled',
    });
    await expect(outcome).resolves.toEqual({ kind: 'error', error });

    await post('/init/error', '{"errorType":"ConfigError","errorMessage":"THUMBNAIL_BUCKET: is required"}');
    await expect(api.initError()).resolves.toEqual({
      errorType: 'ConfigError',
      errorMessage: 'THUMBNAIL_BUCKET: is required',
    });
    expect(api.requests).toEqual(
      expect.arrayContaining([
        'GET /2018-06-01/runtime/invocation/next',
        'POST /2018-06-01/runtime/init/error',
      ]),
    );
  });

  it('answers bad requests with errors, and keeps serving', async () => {
    const notJson = await post('/init/error', '{not json');
    expect([notJson.status, await notJson.json()]).toEqual([
      400,
      expect.objectContaining({ errorType: 'InvalidRequestBody' }),
    ]);
    expect((await fetch(url('/invocation/next/extra'))).status).toBe(404);
    expect(
      (await fetch(`http://${api.address}/2015-03-31/functions/x/invocations`, { method: 'POST' })).status,
    ).toBe(404);
    expect((await post('/invocation/no-such-id/response', '{}')).status).toBe(400);
    const huge = await post('/invocation/x/response', 'x'.repeat(6 * 1024 * 1024 + 1)).catch(() => undefined);
    expect(huge === undefined || huge.status === 413).toBe(true);

    const outcome = api.invoke({ still: 'serving' }, 30_000);
    const next = await fetch(url('/invocation/next'));
    await post(`/invocation/${next.headers.get('lambda-runtime-aws-request-id') ?? ''}/response`, '"ok"');
    await expect(outcome).resolves.toEqual({ kind: 'response', payload: 'ok' });
  });

  it('gives up on an invocation at its deadline, and on every open one when stopped', async () => {
    await expect(api.invoke({ stale: true }, 100)).rejects.toThrow('Task timed out after 0.1 seconds');
    const fresh = api.invoke({ fresh: true }, 30_000);
    // The timed-out event is never handed out; the next one is.
    const next = await fetch(url('/invocation/next'));
    expect(await next.json()).toEqual({ fresh: true });
    await post(`/invocation/${next.headers.get('lambda-runtime-aws-request-id') ?? ''}/response`, '{}');
    await fresh;
    const open = api.invoke({}, 30_000);
    await api.stop();
    await expect(open).rejects.toThrow('the Runtime API stopped before request');
    api = await startRuntimeApi();
  });
});
