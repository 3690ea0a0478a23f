import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { directoryKeys, Practice, StaffMember } from './model';

/** Port: practices and their staff. */
export interface DirectoryStore {
  getPractice(practiceId: string): Promise<Practice | undefined>;
  getStaff(practiceId: string, sub: string): Promise<StaffMember | undefined>;
  putPractice(practice: Practice): Promise<void>;
  putStaff(staff: StaffMember): Promise<void>;
}

/** The DynamoDB adapter; locally the same code talks to dynalite. Parsing drops the key attributes. */
export class DynamoDirectoryStore implements DirectoryStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async getPractice(practiceId: string): Promise<Practice | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: directoryKeys.practice(practiceId) }),
    );
    return Item ? Practice.parse(Item) : undefined;
  }

  async getStaff(practiceId: string, sub: string): Promise<StaffMember | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: directoryKeys.staff(practiceId, sub) }),
    );
    return Item ? StaffMember.parse(Item) : undefined;
  }

  async putPractice(practice: Practice): Promise<void> {
    const item = Practice.parse(practice);
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...directoryKeys.practice(item.practiceId), ...item },
      }),
    );
  }

  async putStaff(staff: StaffMember): Promise<void> {
    const item = StaffMember.parse(staff);
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...directoryKeys.staff(item.practiceId, item.sub), ...item },
      }),
    );
  }
}
