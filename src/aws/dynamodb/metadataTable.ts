import {
  type AttributeValue,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { normalizeSequencer, type RenditionFacts } from '../../core/derivatives';
import { errorName } from '../../common/errors';

/**
 * The optional metadata table: one item per source object, keyed `id` = `<bucket>/<key>`, holding what
 * was made from it. Written after the renditions, deleted with them. Each write is conditional on the
 * S3 sequencer of the event behind it (normalized so that DynamoDB's string order is S3's event order):
 * an item is only ever replaced or deleted on behalf of an event at least as recent as the one that
 * wrote it.
 */
export interface MetadataSource {
  readonly bucket: string;
  readonly key: string;
  readonly eTag: string | undefined;
  readonly versionId?: string | undefined;
  readonly size?: number | undefined;
  readonly sequencer?: string | undefined;
}

/** The table's key attribute, as Terraform declares it. */
export const METADATA_KEY = 'id';

const idOf = (source: { bucket: string; key: string }) => ({
  [METADATA_KEY]: { S: `${source.bucket}/${source.key}` },
});

const renditionValue = (rendition: RenditionFacts): AttributeValue => ({
  M: {
    name: { S: rendition.name },
    format: { S: rendition.format },
    key: { S: rendition.key },
    width: { N: String(rendition.width) },
    height: { N: String(rendition.height) },
    bytes: { N: String(rendition.bytes) },
    contentType: { S: rendition.contentType },
  },
});

function itemOf(source: MetadataSource, renditions: readonly RenditionFacts[], now: Date) {
  return {
    ...idOf(source),
    bucket: { S: source.bucket },
    key: { S: source.key },
    eTag: { S: source.eTag ?? '' },
    ...(source.versionId ? { versionId: { S: source.versionId } } : {}),
    ...(source.size === undefined ? {} : { size: { N: String(source.size) } }),
    sequencer: { S: normalizeSequencer(source.sequencer) },
    renditions: { L: renditions.map(renditionValue) },
    madeAt: { S: now.toISOString() },
  };
}

/** Runs a conditional write; a failed condition means a newer event's item stands, which is right. */
async function unlessNewer(write: () => Promise<unknown>): Promise<void> {
  try {
    await write();
  } catch (error) {
    if (errorName(error) !== 'ConditionalCheckFailedException') {
      throw error;
    }
  }
}

const NOT_NEWER = {
  ConditionExpression: 'attribute_not_exists(#id) OR #sequencer <= :sequencer',
  ExpressionAttributeNames: { '#id': METADATA_KEY, '#sequencer': 'sequencer' },
};

export function createMetadataTable(table: string, client = new DynamoDBClient({})) {
  const sequencerOf = (source: MetadataSource) => ({
    ':sequencer': { S: normalizeSequencer(source.sequencer) },
  });
  return {
    async isCurrent(source: MetadataSource): Promise<boolean> {
      const { Item } = await client.send(
        new GetItemCommand({ TableName: table, Key: idOf(source), ConsistentRead: true }),
      );
      return Item?.eTag?.S !== undefined && Item.eTag.S === source.eTag;
    },
    async record(source: MetadataSource, renditions: readonly RenditionFacts[]): Promise<void> {
      const Item = itemOf(source, renditions, new Date());
      await unlessNewer(() =>
        client.send(
          new PutItemCommand({
            TableName: table,
            Item,
            ...NOT_NEWER,
            ExpressionAttributeValues: sequencerOf(source),
          }),
        ),
      );
    },
    async remove(source: MetadataSource): Promise<void> {
      await unlessNewer(() =>
        client.send(
          new DeleteItemCommand({
            TableName: table,
            Key: idOf(source),
            ...NOT_NEWER,
            ExpressionAttributeValues: sequencerOf(source),
          }),
        ),
      );
    },
  };
}
