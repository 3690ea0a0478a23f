import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type AuditEvent, type AuditLog, DynamoAuditLog, type NewAuditEvent } from '../audit/audit-log';
import { BaseConfig, requiredName } from '../config/base-config';
import { ConfigError, loadConfig } from '../config/load-config';
import { type DirectoryStore, DynamoDirectoryStore } from '../directory/directory-store';
import type { Invitation, Membership, Practice, StaffMember } from '../directory/model';
import { platformDocumentClient, practiceDocumentClient } from '../isolation/scoped-clients';
import * as z from '../validation/z';

/** A write aimed at another practice than the one the stores were opened for: a bug, refused. */
export class CrossPracticeError extends Error {
  override readonly name = 'CrossPracticeError';
}

function samePractice(bound: string, practiceId: string): void {
  if (practiceId !== bound) throw new CrossPracticeError('refused: the record belongs to another practice');
}

/**
 * One practice's directory, opened for the practice the caller was admitted to. Every key it builds is in
 * that practice's partition, and its client's credentials (in AWS) only reach that partition: a handler
 * holding it cannot even name another practice's items.
 */
export class PracticeDirectory {
  constructor(
    private readonly store: DirectoryStore,
    readonly practiceId: string,
  ) {}

  getPractice(): Promise<Practice | undefined> {
    return this.store.getPractice(this.practiceId);
  }
  getStaff(sub: string): Promise<StaffMember | undefined> {
    return this.store.getStaff(this.practiceId, sub);
  }
  listStaff(): Promise<StaffMember[]> {
    return this.store.listStaff(this.practiceId);
  }
  async createStaff(staff: StaffMember): Promise<void> {
    samePractice(this.practiceId, staff.practiceId);
    await this.store.createStaff(staff);
  }
  async replaceStaff(staff: StaffMember, expectedUpdatedAt: string): Promise<void> {
    samePractice(this.practiceId, staff.practiceId);
    await this.store.replaceStaff(staff, expectedUpdatedAt);
  }
  getInvitation(email: string): Promise<Invitation | undefined> {
    return this.store.getInvitation(this.practiceId, email);
  }
  deleteInvitation(email: string): Promise<void> {
    return this.store.deleteInvitation(this.practiceId, email);
  }
}

/** One practice's audit trail: events for other practices are refused. */
export class PracticeAuditLog {
  constructor(
    private readonly log: AuditLog,
    readonly practiceId: string,
  ) {}

  record(event: Omit<NewAuditEvent, 'practiceId'>): Promise<AuditEvent> {
    return this.log.record({ ...event, practiceId: this.practiceId });
  }
}

/** What is not practice data: membership pointers and finding a practice by its ODS code. */
export interface PlatformDirectory {
  getMembership(sub: string): Promise<Membership | undefined>;
  createMembership(membership: Membership): Promise<void>;
  findPracticeByOdsCode(odsCode: string): Promise<Practice | undefined>;
}

export interface PracticeStores {
  directory: PracticeDirectory;
  audit: PracticeAuditLog;
}

/** How a function opens stores: the platform's, and one practice's at a time. */
export interface StoreAccess {
  platform(): PlatformDirectory;
  practice(practiceId: string): PracticeStores;
}

/** Stores over any DynamoDB clients: the functions' scoped ones, or (tests) one client for everything. */
export function storeAccess(options: {
  /** A function without the audit table in its configuration gets a ConfigError if it asks for the log. */
  tables: { directory: string; audit?: string };
  platformClient: () => DynamoDBDocumentClient;
  practiceClient: (practiceId: string) => DynamoDBDocumentClient;
}): StoreAccess {
  return {
    platform: () => new DynamoDirectoryStore(options.platformClient(), options.tables.directory),
    practice: (practiceId) => {
      const client = options.practiceClient(practiceId);
      const { audit } = options.tables;
      return {
        directory: new PracticeDirectory(
          new DynamoDirectoryStore(client, options.tables.directory),
          practiceId,
        ),
        get audit() {
          if (!audit) throw new ConfigError('Invalid configuration. TABLE_AUDIT: is required by this route');
          return new PracticeAuditLog(new DynamoAuditLog(client, audit), practiceId);
        },
      };
    },
  };
}

let defaultAccess: StoreAccess | undefined;

/**
 * This function's stores, from its configuration: practice data through credentials scoped to that practice
 * (STS session tags in AWS; the ambient credentials locally), everything else with the function's own.
 */
export function functionStores(): StoreAccess {
  if (!defaultAccess) {
    const config = loadConfig(
      z.extend(BaseConfig, { TABLE_DIRECTORY: requiredName(), TABLE_AUDIT: z.optional(z.string()) }),
    );
    defaultAccess = storeAccess({
      tables: {
        directory: config.TABLE_DIRECTORY,
        ...(config.TABLE_AUDIT ? { audit: config.TABLE_AUDIT } : {}),
      },
      platformClient: platformDocumentClient,
      practiceClient: practiceDocumentClient,
    });
  }
  return defaultAccess;
}
