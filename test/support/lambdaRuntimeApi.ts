import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Lambda's Runtime API (version 2018-06-01) as the runtime interface client inside a function's container
 * talks to it: `GET /runtime/invocation/next` (long-polled until an event is queued), then
 * `POST /runtime/invocation/{id}/response` or `/error`; `POST /runtime/init/error` when init fails. The
 * tests hand it events and read back what the function answered, the way Lambda's Invoke API would.
 */
export interface RuntimeApi {
  /** `host:port`, for the container's `AWS_LAMBDA_RUNTIME_API`. */
  readonly address: string;
  /** Queues `event` for the next `/next` and resolves with what the function posts for it. */
  invoke(event: unknown, timeoutMs: number): Promise<InvocationOutcome>;
  /** Resolves with the first `/init/error` the runtime posts. */
  initError(): Promise<RuntimeError>;
  /** Every request received, as `METHOD path` (what the runtime did, for failure messages). */
  readonly requests: readonly string[];
  stop(): Promise<void>;
}

export interface RuntimeError {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly stackTrace?: readonly string[];
}

export type InvocationOutcome =
  | { readonly kind: 'response'; readonly payload: unknown }
  | { readonly kind: 'error'; readonly error: RuntimeError };

interface InFlight {
  readonly requestId: string;
  readonly event: unknown;
  readonly deadline: number;
  settle(outcome: InvocationOutcome): void;
  abandon(reason: Error): void;
}

const PREFIX = '/2018-06-01/runtime';
/** Lambda's limit on a synchronous response; anything larger is refused, as Lambda refuses it. */
const MAX_BODY_BYTES = 6 * 1024 * 1024;
const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:thumbnailer';

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly errorType: string,
    message: string,
  ) {
    super(message);
  }
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new HttpError(413, 'RequestEntityTooLarge', `body over ${MAX_BODY_BYTES} bytes`));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => {
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    request.on('error', reject);
  });
}

function reply(response: ServerResponse, status: number, body: unknown): void {
  if (!response.headersSent) {
    response.writeHead(status, { 'Content-Type': 'application/json' });
  }
  response.end(JSON.stringify(body));
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, 'InvalidRequestBody', 'the body is not JSON');
  }
}

/** An error body as the runtime posts it; anything else is recorded as Lambda records it, unhandled. */
function asRuntimeError(body: unknown, typeHeader: string | string[] | undefined): RuntimeError {
  const value = (typeof body === 'object' && body !== null ? body : {}) as Partial<RuntimeError>;
  return {
    errorType: typeof value.errorType === 'string' ? value.errorType : String(typeHeader ?? 'Unhandled'),
    errorMessage: typeof value.errorMessage === 'string' ? value.errorMessage : JSON.stringify(body),
    ...(Array.isArray(value.stackTrace) ? { stackTrace: value.stackTrace } : {}),
  };
}

/** The invocation queue and the long-polling `/next` requests waiting for it. */
class Invocations {
  private readonly queued: InFlight[] = [];
  private readonly waiting: ServerResponse[] = [];
  readonly inFlight = new Map<string, InFlight>();

  add(invocation: InFlight): void {
    this.inFlight.set(invocation.requestId, invocation);
    const next = this.waiting.shift();
    if (next) {
      this.deliver(invocation, next);
    } else {
      this.queued.push(invocation);
    }
  }

  next(response: ServerResponse): void {
    // An invocation that timed out while queued is no longer in flight: it is never handed out.
    let invocation = this.queued.shift();
    while (invocation && !this.inFlight.has(invocation.requestId)) {
      invocation = this.queued.shift();
    }
    if (invocation) {
      this.deliver(invocation, response);
      return;
    }
    this.waiting.push(response);
    response.on('close', () => {
      const index = this.waiting.indexOf(response);
      if (index >= 0) {
        this.waiting.splice(index, 1);
      }
    });
  }

  /** Takes the invocation `requestId` out of flight: it can be answered once. */
  take(requestId: string): InFlight {
    const invocation = this.inFlight.get(requestId);
    if (!invocation) {
      throw new HttpError(400, 'InvalidRequestID', `no invocation ${requestId} is in flight`);
    }
    this.inFlight.delete(requestId);
    return invocation;
  }

  private deliver(invocation: InFlight, response: ServerResponse): void {
    response.writeHead(200, {
      'Content-Type': 'application/json',
      'Lambda-Runtime-Aws-Request-Id': invocation.requestId,
      'Lambda-Runtime-Deadline-Ms': String(invocation.deadline),
      'Lambda-Runtime-Invoked-Function-Arn': FUNCTION_ARN,
      'Lambda-Runtime-Trace-Id': `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomUUID().replace(/-/g, '').slice(0, 24)};Sampled=0`,
    });
    response.end(JSON.stringify(invocation.event));
  }
}

/** `POST /invocation/{id}/response` or `/error`: the function's answer, accepted once per invocation. */
async function answer(request: IncomingMessage, invocations: Invocations, id: string, kind: string) {
  const body = parseJson(await readBody(request));
  const invocation = invocations.take(decodeURIComponent(id));
  const errorType = request.headers['lambda-runtime-function-error-type'];
  invocation.settle(
    kind === 'response'
      ? { kind: 'response', payload: body }
      : { kind: 'error', error: asRuntimeError(body, errorType) },
  );
}

/** `METHOD path` with the API's version prefix taken off (a path outside it keeps its slash-less form). */
function callOf(request: IncomingMessage): string {
  const path = new URL(request.url ?? '/', 'http://runtime').pathname;
  return `${request.method ?? ''} ${path.startsWith(`${PREFIX}/`) ? path.slice(PREFIX.length) : `outside:${path}`}`;
}

async function route(
  request: IncomingMessage,
  response: ServerResponse,
  invocations: Invocations,
  onInitError: (error: RuntimeError) => void,
): Promise<void> {
  const call = callOf(request);
  const answered = /^POST \/invocation\/([^/]+)\/(response|error)$/.exec(call);
  if (call === 'GET /invocation/next') {
    invocations.next(response);
    return;
  }
  if (call === 'POST /init/error') {
    const errorType = request.headers['lambda-runtime-function-error-type'];
    onInitError(asRuntimeError(parseJson(await readBody(request)), errorType));
  } else if (answered?.[1] && answered[2]) {
    await answer(request, invocations, answered[1], answered[2]);
  } else {
    throw new HttpError(404, 'UnknownResource', `no such resource: ${call}`);
  }
  reply(response, 202, { status: 'OK' });
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** A Runtime API on 127.0.0.1 and a free port, for one function container at a time. */
export async function startRuntimeApi(): Promise<RuntimeApi> {
  const invocations = new Invocations();
  const requests: string[] = [];
  let reportInitError: (error: RuntimeError) => void = () => undefined;
  const initError = new Promise<RuntimeError>((resolve) => {
    reportInitError = resolve;
  });
  const server = createServer((request, response) => {
    requests.push(`${request.method ?? ''} ${request.url ?? ''}`);
    route(request, response, invocations, reportInitError).catch((error: unknown) => {
      const known =
        error instanceof HttpError ? error : new HttpError(500, 'ServiceException', String(error));
      reply(response, known.status, { errorType: known.errorType, errorMessage: known.message });
    });
  });
  const port = await listen(server);
  return {
    address: `127.0.0.1:${port}`,
    requests,
    initError: () => initError,
    invoke: (event, timeoutMs) => invokeThrough(invocations, event, timeoutMs),
    stop: () => stopServer(server, invocations),
  };
}

function invokeThrough(
  invocations: Invocations,
  event: unknown,
  timeoutMs: number,
): Promise<InvocationOutcome> {
  return new Promise((resolve, reject) => {
    const requestId = randomUUID();
    const timer = setTimeout(() => {
      invocations.inFlight.delete(requestId);
      reject(new Error(`Task timed out after ${timeoutMs / 1000} seconds (request ${requestId})`));
    }, timeoutMs);
    invocations.add({
      requestId,
      event,
      deadline: Date.now() + timeoutMs,
      settle: (outcome) => {
        clearTimeout(timer);
        resolve(outcome);
      },
      abandon: (reason) => {
        clearTimeout(timer);
        reject(reason);
      },
    });
  });
}

function stopServer(server: Server, invocations: Invocations): Promise<void> {
  for (const invocation of invocations.inFlight.values()) {
    invocation.abandon(
      new Error(`the Runtime API stopped before request ${invocation.requestId} was answered`),
    );
  }
  invocations.inFlight.clear();
  return new Promise((resolve) => {
    server.close(() => {
      resolve();
    });
    server.closeAllConnections();
  });
}
