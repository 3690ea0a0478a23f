import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type AuditEvent, type AuditLog, DynamoAuditLog, type NewAuditEvent } from '../audit/audit-log';
import { ConfigError } from '../config/load-config';
import type { FieldCrypto } from '../crypto/field-crypto';
import { type DirectoryStore, DynamoDirectoryStore } from '../directory/directory-store';
import type { Invitation, Membership, Practice, StaffMember } from '../directory/model';
import { type FunctionSettings, tableNames } from '../functions/function-config';
import { platformDocumentClient, practiceDocumentClient, scopedClients } from '../isolation/scoped-clients';
import {
  ConsultationPointers,
  PracticeConsents,
  PracticeConsultations,
  PracticeVideoSettings,
} from '../records/consultation-records';
import { PracticeHeldMessages } from '../records/held-messages';
import { PracticeIdempotencyKeys } from '../records/idempotency-records';
import { InvitePointers } from '../records/invite-pointers';
import { PracticeInvites } from '../records/invite-records';
import { PracticeLookups } from '../records/lookup-records';
import { PracticeRateLimits } from '../records/rate-limits';
import { PracticeSmsOptOuts } from '../records/sms-opt-outs';

/** A write aimed at another practice than the one the stores were opened for: a bug, refused. */
export class CrossPracticeError extends Error {
  override readonly name = 'CrossPracticeError';
}

function samePractice(bound: string, practiceId: string): void {
  if (practiceId !== bound) throw new CrossPracticeError('refused: the record belongs to another practice');
}

/**
 * How long a container trusts a practice record it read: a practice's name or ODS code changes rarely and by
 * an operator, and the hot path (a lookup sends the ODS code to PDS) then skips a read. A renamed practice
 * shows its new name everywhere within this time.
 */
export const PRACTICE_RECORD_CACHE_MS = 60_000;
const practiceRecords = new Map<string, { practice: Promise<Practice | undefined>; expiresAt: number }>();

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
  /** The practice record, read at most once per `PRACTICE_RECORD_CACHE_MS` per container. */
  getPracticeCached(now = Date.now()): Promise<Practice | undefined> {
    const cached = practiceRecords.get(this.practiceId);
    if (cached && cached.expiresAt > now) return cached.practice;
    const practice = this.getPractice();
    const entry = { practice, expiresAt: now + PRACTICE_RECORD_CACHE_MS };
    practiceRecords.set(this.practiceId, entry);
    // A failed read or a missing practice is not remembered.
    practice.then(
      (found) => {
        if (!found && practiceRecords.get(this.practiceId) === entry) practiceRecords.delete(this.practiceId);
      },
      () => {
        if (practiceRecords.get(this.practiceId) === entry) practiceRecords.delete(this.practiceId);
      },
    );
    return practice;
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
  /** Video consultations, one per invite (no patient data: ids, steps, yes/no answers). */
  consultations: PracticeConsultations;
  /** The patient's consent to each consultation, written once. */
  consents: PracticeConsents;
  videoSettings: PracticeVideoSettings;
  /** The practice's invitations (patient details encrypted under its key). */
  invites: PracticeInvites;
  /** The clinical lead's review queue. */
  heldMessages: PracticeHeldMessages;
  /** Patients' opt-outs of texts from this practice, by blind index of the number. */
  smsOptOuts: PracticeSmsOptOuts;
  idempotencyKeys: PracticeIdempotencyKeys;
}

/** How a function opens stores: the platform's, and one practice's at a time. */
export interface StoreAccess {
  platform(): PlatformDirectory;
  /** Pointers from a meeting id to its practice and consultation, grace deadlines (PLATFORM partition). */
  consultationPointers(): ConsultationPointers;
  practice(practiceId: string): PracticeStores;
  /** Pointers from a token hash or a provider's message id to a practice's invite (PLATFORM partition). */
  invitePointers(): InvitePointers;
}

/** Stores over any DynamoDB clients: the functions' scoped ones, or (tests) one client for everything. */
export function storeAccess(options: {
  /** A function without the audit table in its configuration gets a ConfigError if it asks for the log. */
  tables: { directory?: string; audit?: string; records?: string };
  /** Field encryption under each practice's key; needed by stores that hold patient data. */
  crypto?: () => FieldCrypto;
  platformClient: () => DynamoDBDocumentClient;
  practiceClient: (practiceId: string) => DynamoDBDocumentClient;
}): StoreAccess {
  const directoryTable = () => {
    if (!options.tables.directory)
      throw new ConfigError('Invalid configuration. TABLE_DIRECTORY: is required by this function');
    return options.tables.directory;
  };
  const platformRecords = () => {
    if (!options.tables.records)
      throw new ConfigError('Invalid configuration. TABLE_RECORDS: is required by this function');
    return options.tables.records;
  };
  return {
    platform: () => new DynamoDirectoryStore(options.platformClient(), directoryTable()),
    invitePointers: () => new InvitePointers(options.platformClient(), platformRecords()),
    consultationPointers: () => new ConsultationPointers(options.platformClient(), platformRecords()),
    practice: (practiceId) => {
      const client = options.practiceClient(practiceId);
      const { audit, records } = options.tables;
      const recordsTable = () => {
        if (!records)
          throw new ConfigError('Invalid configuration. TABLE_RECORDS: is required by this route');
        return records;
      };
      return {
        get directory() {
          return new PracticeDirectory(new DynamoDirectoryStore(client, directoryTable()), practiceId);
        },
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
        get consultations() {
          return new PracticeConsultations(client, recordsTable(), practiceId);
        },
        get consents() {
          return new PracticeConsents(client, recordsTable(), practiceId);
        },
        get videoSettings() {
          return new PracticeVideoSettings(client, recordsTable(), practiceId);
        },
        get invites() {
          return new PracticeInvites(client, recordsTable(), practiceId, options.crypto?.());
        },
        get heldMessages() {
          return new PracticeHeldMessages(client, recordsTable(), practiceId, options.crypto?.());
        },
        get smsOptOuts() {
          return new PracticeSmsOptOuts(client, recordsTable(), practiceId, options.crypto?.());
        },
        get idempotencyKeys() {
          return new PracticeIdempotencyKeys(client, recordsTable(), practiceId);
        },
      };
    },
  };
}

/**
 * This function's stores, from its parsed configuration (`functionConfig`): practice data through credentials
 * scoped to that practice (STS session tags in AWS; the ambient credentials locally), everything else with the
 * function's own. Functions that hold patient data pass their field encryption; the others never import the
 * Encryption SDK, which keeps their bundles small. Call at module scope: the clients live with the container.
 */
export function practiceStoresFrom(
  config: FunctionSettings,
  options: { crypto?: () => FieldCrypto } = {},
): StoreAccess {
  const tables = tableNames(config);
  if (Object.keys(tables).length === 0)
    throw new ConfigError('Invalid configuration: this function has no tables');
  // Parsed now, not on the first request: a missing role ARN fails the cold start.
  scopedClients();
  return storeAccess({
    tables,
    ...(options.crypto ? { crypto: options.crypto } : {}),
    platformClient: platformDocumentClient,
    practiceClient: practiceDocumentClient,
  });
}
