import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateQuery,
} from '@aws-sdk/lib-dynamodb';
import { directoryKeys } from '../directory/model';
import { assertMaterialName, type KeyMaterialStore } from './key-material-store';
import { assertPracticeId } from './practice-id';

const PREFIX = 'KEYMATERIAL#';

/**
 * The AWS (and dynalite) adapter: records in the practice's own partition of the directory table,
 * `pk = PRACTICE#<practiceId>`, `sk = KEYMATERIAL#<name>`, attribute `value`. Reads are strongly consistent so
 * that a container does not make (and pay a KMS call for) a data key that exists, because a replica lagged.
 */
export class DynamoKeyMaterialStore implements KeyMaterialStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(practiceId: string, name: string) {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: this.key(practiceId, name), ConsistentRead: true }),
    );
    return typeof Item?.value === 'string' ? Item.value : undefined;
  }

  async putIfAbsent(practiceId: string, name: string, value: string) {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...this.key(practiceId, name), value, updatedAt: new Date().toISOString() },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return value;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      return (await this.get(practiceId, name)) ?? value;
    }
  }

  async put(practiceId: string, name: string, value: string) {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...this.key(practiceId, name), value, updatedAt: new Date().toISOString() },
      }),
    );
  }

  async deleteAll(practiceId: string) {
    assertPracticeId(practiceId);
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': directoryKeys.practicePartition(practiceId), ':prefix': PREFIX },
        ProjectionExpression: 'pk, sk',
        ConsistentRead: true,
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        await this.client.send(
          new DeleteCommand({ TableName: this.tableName, Key: { pk: item.pk, sk: item.sk } }),
        );
      }
    }
  }

  private key(practiceId: string, name: string) {
    assertPracticeId(practiceId);
    assertMaterialName(name);
    return { pk: directoryKeys.practicePartition(practiceId), sk: `${PREFIX}${name}` };
  }
}
