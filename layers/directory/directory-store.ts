import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateQuery,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import * as z from '../validation/z';
import { directoryKeys, Invitation, Membership, Practice, StaffMember } from './model';

const StaffStanding = z.pick(StaffMember, { practiceId: true, role: true, status: true });

/** The write lost a race: the record changed (or appeared) since it was read. */
export class StaleWriteError extends Error {
  override readonly name = 'StaleWriteError';
}

/** Port: practices, their staff, and which practice each account belongs to. */
export interface DirectoryStore {
  getPractice(practiceId: string): Promise<Practice | undefined>;
  findPracticeByOdsCode(odsCode: string): Promise<Practice | undefined>;
  getStaff(practiceId: string, sub: string): Promise<StaffMember | undefined>;
  /** Only a member's role and status (what their tokens carry): no name, email or anything else. */
  getStaffStanding(practiceId: string, sub: string): Promise<StaffStanding | undefined>;
  listStaff(practiceId: string): Promise<StaffMember[]>;
  getMembership(sub: string): Promise<Membership | undefined>;
  putPractice(practice: Practice): Promise<void>;
  /** Unconditional; for seeding and tests. Use `createMembership` and `replaceStaff` in request paths. */
  putStaff(staff: StaffMember): Promise<void>;
  /** Fails with StaleWriteError when the account already belongs to a practice. */
  createMembership(membership: Membership): Promise<void>;
  /** Creates the staff record; fails with StaleWriteError if it exists. */
  createStaff(staff: StaffMember): Promise<void>;
  /** Replaces the record only if it is still as last read (same `updatedAt`); else StaleWriteError. */
  replaceStaff(staff: StaffMember, expectedUpdatedAt: string): Promise<void>;
  /** Reserves an ODS code for a practice; StaleWriteError if another practice has it. */
  claimOdsCode(odsCode: string, practiceId: string): Promise<void>;
  /** Creates the practice record; StaleWriteError if it exists. */
  createPractice(practice: Practice): Promise<void>;
  getInvitation(practiceId: string, email: string): Promise<Invitation | undefined>;
  putInvitation(invitation: Invitation): Promise<void>;
  deleteInvitation(practiceId: string, email: string): Promise<void>;
}

/** A member's role and status, read with only those attributes (the token trigger may read no others). */
export type StaffStanding = Pick<StaffMember, 'practiceId' | 'role' | 'status'>;

/**
 * The attributes `getStaffStanding` reads, keys included: the token trigger's practice sessions may read these
 * and no others (DynamoDB fine-grained access control, infra/stacks/identity-stack.ts).
 */
export const STAFF_STANDING_ATTRIBUTES = ['pk', 'sk', 'practiceId', 'role', 'status'] as const;

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

  async findPracticeByOdsCode(odsCode: string): Promise<Practice | undefined> {
    const key = directoryKeys.practiceByOds(odsCode);
    const { Items } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk = :sk',
        ExpressionAttributeValues: { ':pk': key.gsi1pk, ':sk': key.gsi1sk },
        Limit: 1,
      }),
    );
    const item = Items?.[0];
    return item ? Practice.parse(item) : undefined;
  }

  async getStaff(practiceId: string, sub: string): Promise<StaffMember | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: directoryKeys.staff(practiceId, sub) }),
    );
    return Item ? StaffMember.parse(Item) : undefined;
  }

  async getStaffStanding(practiceId: string, sub: string): Promise<StaffStanding | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: directoryKeys.staff(practiceId, sub),
        ProjectionExpression: '#practiceId, #role, #status',
        ExpressionAttributeNames: { '#practiceId': 'practiceId', '#role': 'role', '#status': 'status' },
      }),
    );
    return Item ? StaffStanding.parse(Item) : undefined;
  }

  async listStaff(practiceId: string): Promise<StaffMember[]> {
    const staff: StaffMember[] = [];
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: {
          ':pk': directoryKeys.practicePartition(practiceId),
          ':prefix': directoryKeys.staffPrefix,
        },
      },
    );
    for await (const page of pages) for (const item of page.Items ?? []) staff.push(StaffMember.parse(item));
    return staff;
  }

  async getMembership(sub: string): Promise<Membership | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: directoryKeys.membership(sub) }),
    );
    return Item ? Membership.parse(Item) : undefined;
  }

  async putPractice(practice: Practice): Promise<void> {
    const item = Practice.parse(practice);
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...directoryKeys.practice(item.practiceId),
          ...directoryKeys.practiceByOds(item.odsCode),
          ...item,
        },
      }),
    );
    await this.register(item.practiceId);
  }

  /** Every practice on the platform, by id (the PLATFORM partition's list). */
  async listPracticeIds(): Promise<string[]> {
    const ids: string[] = [];
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: {
          ':pk': directoryKeys.registration('x').pk,
          ':prefix': directoryKeys.registrationPrefix,
        },
        ProjectionExpression: 'practiceId',
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) if (typeof item.practiceId === 'string') ids.push(item.practiceId);
    }
    return ids;
  }

  private async register(practiceId: string): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...directoryKeys.registration(practiceId), practiceId },
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

  async createMembership(membership: Membership): Promise<void> {
    const item = Membership.parse(membership);
    await this.putNew({ ...directoryKeys.membership(item.sub), ...item });
  }

  async createStaff(staff: StaffMember): Promise<void> {
    const item = StaffMember.parse(staff);
    await this.putNew({ ...directoryKeys.staff(item.practiceId, item.sub), ...item });
  }

  async replaceStaff(staff: StaffMember, expectedUpdatedAt: string): Promise<void> {
    const item = StaffMember.parse(staff);
    await this.conditionally(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...directoryKeys.staff(item.practiceId, item.sub), ...item },
        ConditionExpression: 'updatedAt = :expected',
        ExpressionAttributeValues: { ':expected': expectedUpdatedAt },
      }),
    );
  }

  async claimOdsCode(odsCode: string, practiceId: string): Promise<void> {
    await this.putNew({ ...directoryKeys.odsClaim(odsCode), odsCode, practiceId });
  }

  async createPractice(practice: Practice): Promise<void> {
    const item = Practice.parse(practice);
    await this.putNew({
      ...directoryKeys.practice(item.practiceId),
      ...directoryKeys.practiceByOds(item.odsCode),
      ...item,
    });
    await this.register(item.practiceId);
  }

  async getInvitation(practiceId: string, email: string): Promise<Invitation | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: directoryKeys.invitation(practiceId, email) }),
    );
    return Item ? Invitation.parse(Item) : undefined;
  }

  async putInvitation(invitation: Invitation): Promise<void> {
    const item = Invitation.parse({ ...invitation, email: invitation.email.toLowerCase() });
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...directoryKeys.invitation(item.practiceId, item.email), ...item },
      }),
    );
  }

  async deleteInvitation(practiceId: string, email: string): Promise<void> {
    await this.client.send(
      new DeleteCommand({ TableName: this.tableName, Key: directoryKeys.invitation(practiceId, email) }),
    );
  }

  /** Writes an item that must not exist yet; StaleWriteError if it does. */
  private putNew(item: Record<string, unknown>): Promise<void> {
    return this.conditionally(
      new PutCommand({
        TableName: this.tableName,
        Item: item,
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  private async conditionally(command: PutCommand): Promise<void> {
    try {
      await this.client.send(command);
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new StaleWriteError('the record changed');
      throw error;
    }
  }
}
