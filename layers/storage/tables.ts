/**
 * The one definition of every DynamoDB table: the CDK data stack and the local stack (dynalite) both build
 * their tables from this list, so key schemas and indexes cannot drift between AWS and a laptop.
 */
export interface TableIndex {
  name: string;
  partitionKey: string;
  sortKey: string;
}

export interface TableDefinition {
  /** Logical id; also names the environment variable that carries the physical name (TABLE_<ID>). */
  id: 'directory' | 'records' | 'audit';
  description: string;
  partitionKey: string;
  sortKey: string;
  indexes: readonly TableIndex[];
  /** DynamoDB TTL attribute (epoch seconds). Readers still filter expired items: TTL deletes lazily. */
  timeToLiveAttribute?: string;
}

export const TABLES = [
  {
    id: 'directory',
    description: 'Practices, staff and their settings: who may use the platform and how.',
    partitionKey: 'pk',
    sortKey: 'sk',
    indexes: [{ name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' }],
  },
  {
    id: 'records',
    description: 'Patient-facing records of a practice: lookups, invitations, consultations, consent.',
    partitionKey: 'pk',
    sortKey: 'sk',
    indexes: [{ name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' }],
    timeToLiveAttribute: 'expiresAt',
  },
  {
    id: 'audit',
    description:
      'Append-only audit events of a practice and the digests that seal them, for compliance reports.',
    partitionKey: 'pk',
    sortKey: 'sk',
    /**
     * A patient's events, for a report filtered by NHS number: `patientKey = <blind index>#<at>#<eventId>`,
     * on events that name a patient only (sparse). The partition key is the table's own, so IAM's
     * `dynamodb:LeadingKeys` condition (exactly `PRACTICE#<id>`) holds for queries of the index too. A blind
     * index in a key is visible to DynamoDB data events: an HMAC under the practice's key, not an NHS number.
     */
    indexes: [{ name: 'byPatient', partitionKey: 'pk', sortKey: 'patientKey' }],
  },
] as const satisfies readonly TableDefinition[];

export type TableId = (typeof TABLES)[number]['id'];

export function tableEnvName(id: TableId): `TABLE_${Uppercase<TableId>}` {
  return `TABLE_${id.toUpperCase() as Uppercase<TableId>}`;
}

/** Every item whose key is not per-practice data lives under this prefix (health probes and the like). */
export const PLATFORM_PARTITION = 'PLATFORM';
