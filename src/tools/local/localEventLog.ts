import { randomUUID } from 'node:crypto';
import { appendFile } from 'node:fs/promises';
import { type CompletionEvent, EVENT_SOURCE, type EventPublisher } from '../../aws/events/completionEvents';

/**
 * An event exactly as an EventBridge rule's target receives it (the envelope EventBridge adds around
 * what the function puts), so that an app developer can build against the local log and deploy.
 */
export interface DeliveredEvent {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: CompletionEvent['detail'];
}

/** The account and region the local stack's events name; nothing real. */
const LOCAL_ACCOUNT = '000000000000';
const LOCAL_REGION = 'local';

export function deliveredEvent(event: CompletionEvent, now = new Date()): DeliveredEvent {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': event.detailType,
    source: EVENT_SOURCE,
    account: LOCAL_ACCOUNT,
    time: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: LOCAL_REGION,
    resources: [event.resource],
    detail: event.detail,
  };
}

/**
 * The local stack's event bus: each event is appended to `path` as one JSON line (what a rule with
 * `"source": ["thumbnailer"]` would receive), then handed to `onEvent` (the gallery shows it live). A
 * failed append fails the record, as a failed PutEvents does in Lambda, and the record is retried.
 */
export function createLocalEventLog(path: string, onEvent: (event: DeliveredEvent) => void): EventPublisher {
  return {
    async publish(event) {
      const delivered = deliveredEvent(event);
      await appendFile(path, `${JSON.stringify(delivered)}\n`, { mode: 0o600 });
      onEvent(delivered);
    },
  };
}
