import { CreateTableCommand, DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { createMetadataTable } from '../../../src/aws/dynamodb/metadataTable';
import { type RunningMoto, startMotoServer } from '../../support/motoServer';
import { describeTier } from '../../support/tiers';

const TABLE = 'metadata';

/** The metadata table's conditional writes, on moto's DynamoDB. */
describeTier('moto', 'metadata table', () => {
  let moto: RunningMoto;
  let client: DynamoDBClient;

  beforeAll(async () => {
    moto = await startMotoServer();
    client = new DynamoDBClient({
      region: 'us-east-1',
      endpoint: moto.endpoint,
      credentials: { accessKeyId: moto.accessKeyId, secretAccessKey: moto.secretAccessKey },
    });
    await client.send(
      new CreateTableCommand({
        TableName: TABLE,
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      }),
    );
  });
  afterAll(async () => {
    client.destroy();
    await moto.stop();
  });

  const source = (eTag: string, sequencer: string) => ({
    bucket: 'uploads',
    key: 'a b/c.jpg',
    eTag,
    sequencer,
  });
  const thumbnail = [
    {
      name: 'thumbnail',
      format: 'jpeg',
      key: 'a b/c.jpg.jpg',
      width: 256,
      height: 192,
      bytes: 1234,
      contentType: 'image/jpeg',
    },
  ];
  const stored = async () =>
    (await client.send(new GetItemCommand({ TableName: TABLE, Key: { id: { S: 'uploads/a b/c.jpg' } } })))
      .Item;

  it('an older event never overwrites or deletes a newer item', async () => {
    const table = createMetadataTable(TABLE, client);
    await table.record(source('new', '0055AED6DCD90281E6'), thumbnail);
    await table.record(source('old', '0055AED6DCD90281E5'), thumbnail);
    await table.remove(source('old', '0055AED6DCD902'));

    expect(await stored()).toMatchObject({
      eTag: { S: 'new' },
      sequencer: { S: '0055AED6DCD90281E600000000000000' },
      renditions: { L: [{ M: { key: { S: 'a b/c.jpg.jpg' }, width: { N: '256' }, height: { N: '192' } } }] },
    });
    expect(await table.isCurrent(source('new', ''))).toBe(true);
    expect(await table.isCurrent(source('old', ''))).toBe(false);
  });

  it('a newer event replaces the item, and a later delete removes it', async () => {
    const table = createMetadataTable(TABLE, client);
    await table.record(source('newer', '0055AED6DCD90281E7'), thumbnail);
    expect((await stored())?.eTag).toEqual({ S: 'newer' });
    await table.remove(source('', '0055AED6DCD90281E8'));
    expect(await stored()).toBeUndefined();
    await table.remove(source('', '0055AED6DCD90281E9'));
  });
});
