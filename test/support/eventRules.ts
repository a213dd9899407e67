import {
  CreateEventBusCommand,
  EventBridgeClient,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { S3Endpoint } from './s3Client';

const clientOptions = (server: S3Endpoint) => ({
  region: 'us-east-1',
  endpoint: server.endpoint,
  credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
});

export interface SubscribedQueue {
  readonly eventBridge: EventBridgeClient;
  /** Every message the rule has delivered so far, parsed, each deleted once read. */
  drain(): Promise<Array<Record<string, unknown>>>;
  destroy(): void;
}

/**
 * What an application subscribing to the function's events sets up, on moto: a bus (unless `default`),
 * an ordinary rule matching `source: thumbnailer`, and an SQS queue as its target.
 */
export async function subscribeQueue(server: S3Endpoint, busName: string): Promise<SubscribedQueue> {
  const eventBridge = new EventBridgeClient(clientOptions(server));
  const sqs = new SQSClient(clientOptions(server));
  if (busName !== 'default') {
    await eventBridge.send(new CreateEventBusCommand({ Name: busName }));
  }
  const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: `${busName}-app` }))).QueueUrl ?? '';
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  await eventBridge.send(
    new PutRuleCommand({
      Name: 'thumbnails-to-app',
      EventBusName: busName,
      EventPattern: JSON.stringify({ source: ['thumbnailer'] }),
    }),
  );
  await eventBridge.send(
    new PutTargetsCommand({
      Rule: 'thumbnails-to-app',
      EventBusName: busName,
      Targets: [{ Id: 'app-queue', Arn: Attributes?.QueueArn }],
    }),
  );
  return {
    eventBridge,
    async drain() {
      const events: Array<Record<string, unknown>> = [];
      for (;;) {
        const { Messages = [] } = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
        );
        if (Messages.length === 0) {
          return events;
        }
        for (const message of Messages) {
          events.push(JSON.parse(message.Body ?? 'null') as Record<string, unknown>);
          await sqs.send(
            new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }),
          );
        }
      }
    },
    destroy() {
      eventBridge.destroy();
      sqs.destroy();
    },
  };
}
