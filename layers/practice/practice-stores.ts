import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type AuditEvent, type AuditLog, DynamoAuditLog, type NewAuditEvent } from '../audit/audit-log';
import { BaseConfig, requiredName } from '../config/base-config';
import { ConfigError, loadConfig } from '../config/load-config';
import type { FieldCrypto } from '../crypto/field-crypto';
import { type DirectoryStore, DynamoDirectoryStore } from '../directory/directory-store';
import type { Invitation, Membership, Practice, StaffMember } from '../directory/model';
import { platformDocumentClient, practiceDocumentClient } from '../isolation/scoped-clients';
import { PracticeLookups } from '../records/lookup-records';
import { PracticeRateLimits } from '../records/rate-limits';
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
  /** The practice's lookups (patient details encrypted under its key). */
  lookups: PracticeLookups;
  rateLimits: PracticeRateLimits;
}

/** How a function opens stores: the platform's, and one practice's at a time. */
export interface StoreAccess {
  platform(): PlatformDirectory;
  practice(practiceId: string): PracticeStores;
}

/** Stores over any DynamoDB clients: the functions' scoped ones, or (tests) one client for everything. */
export function storeAccess(options: {
  /** A function without the audit table in its configuration gets a ConfigError if it asks for the log. */
  tables: { directory: string; audit?: string; records?: string };
  /** Field encryption under each practice's key; needed by stores that hold patient data. */
  crypto?: () => FieldCrypto;
  platformClient: () => DynamoDBDocumentClient;
  practiceClient: (practiceId: string) => DynamoDBDocumentClient;
}): StoreAccess {
  return {
    platform: () => new DynamoDirectoryStore(options.platformClient(), options.tables.directory),
    practice: (practiceId) => {
      const client = options.practiceClient(practiceId);
      const { audit, records } = options.tables;
      const recordsTable = () => {
        if (!records)
          throw new ConfigError('Invalid configuration. TABLE_RECORDS: is required by this route');
        return records;
      };
      return {
        directory: new PracticeDirectory(
          new DynamoDirectoryStore(client, options.tables.directory),
          practiceId,
        ),
        get audit() {
          if (!audit) throw new ConfigError('Invalid configuration. TABLE_AUDIT: is required by this route');
          return new PracticeAuditLog(new DynamoAuditLog(client, audit), practiceId);
        },
        get lookups() {
          const crypto = options.crypto?.();
          if (!crypto) throw new ConfigError('Invalid configuration: this route has no practice keys');
          return new PracticeLookups(client, recordsTable(), practiceId, crypto);
        },
        get rateLimits() {
          return new PracticeRateLimits(client, recordsTable(), practiceId);
        },
      };
    },
  };
}

let defaultAccess: StoreAccess | undefined;
let configuredTables: { directory: string; audit?: string; records?: string } | undefined;

function tablesFromConfig() {
  if (!configuredTables) {
    const config = loadConfig(
      z.extend(BaseConfig, {
        TABLE_DIRECTORY: requiredName(),
        TABLE_AUDIT: z.optional(z.string()),
        TABLE_RECORDS: z.optional(z.string()),
      }),
    );
    configuredTables = {
      directory: config.TABLE_DIRECTORY,
      ...(config.TABLE_AUDIT ? { audit: config.TABLE_AUDIT } : {}),
      ...(config.TABLE_RECORDS ? { records: config.TABLE_RECORDS } : {}),
    };
  }
  return configuredTables;
}

/**
 * This function's stores, from its configuration: practice data through credentials scoped to that practice
 * (STS session tags in AWS; the ambient credentials locally), everything else with the function's own.
 * Routes that hold patient data pass their field encryption (`functionCrypto().fields`); the others never
 * import the Encryption SDK, which keeps their bundles small.
 */
export function functionStores(options: { crypto?: () => FieldCrypto } = {}): StoreAccess {
  const build = () =>
    storeAccess({
      tables: tablesFromConfig(),
      ...(options.crypto ? { crypto: options.crypto } : {}),
      platformClient: platformDocumentClient,
      practiceClient: practiceDocumentClient,
    });
  if (options.crypto) return build();
  defaultAccess ??= build();
  return defaultAccess;
}
