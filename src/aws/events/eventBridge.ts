import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { type CompletionEvent, EVENT_SOURCE, type EventPublisher } from './completionEvents';
import { EventRefusedError } from '../../common/errors';

/**
 * Publishes completion events on one bus (a name or an ARN; `default` is the account's default bus).
 * PutEvents answers 200 even when it refuses an entry, so the entry's own error code is checked too.
 */
export function createEventBridgePublisher(
  busName: string,
  client = new EventBridgeClient({}),
): EventPublisher {
  return {
    async publish(event: CompletionEvent) {
      const answer = await client.send(
        new PutEventsCommand({
          Entries: [
            {
              EventBusName: busName,
              Source: EVENT_SOURCE,
              DetailType: event.detailType,
              Resources: [event.resource],
              Detail: JSON.stringify(event.detail),
            },
          ],
        }),
      );
      const [entry] = answer.Entries ?? [];
      if ((answer.FailedEntryCount ?? 0) > 0 || entry?.ErrorCode) {
        throw new EventRefusedError(
          `EventBridge refused the event: ${entry?.ErrorCode ?? 'unknown'} ${entry?.ErrorMessage ?? ''}`.trim(),
        );
      }
    },
  };
}
