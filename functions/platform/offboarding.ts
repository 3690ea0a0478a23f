import { createHash } from 'node:crypto';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateQuery,
} from '@aws-sdk/lib-dynamodb';
import type { FieldCrypto } from '../../layers/crypto/field-crypto';
import type { PracticeKeys } from '../../layers/crypto/practice-keys';
import { directoryKeys } from '../../layers/directory/model';
import { LOOKUP_PATIENT_FIELD } from '../../layers/records/lookup-records';
import { PLATFORM_PARTITION, type TableId } from '../../layers/storage/tables';
import { AUDIT_NHS_NUMBER_FIELD } from '../lookup/audit-reference';

export class OffboardingError extends Error {
  override readonly name = 'OffboardingError';
}

export interface OffboardingDeps {
  /**
   * Reads and deletes the practice's own partitions: in AWS, credentials scoped to that practice (the practice
   * data role), which also decrypt with its key; locally, the one client.
   */
  practiceClient: DynamoDBDocumentClient;
  /** The platform's items: the offboarding record, account membership pointers and the ODS code claim. */
  platformClient: DynamoDBDocumentClient;
  tables: Record<TableId, string>;
  keys: PracticeKeys;
  fields: FieldCrypto;
  now?: () => Date;
}

export const EXPORT_FORMAT = 'clinic-connect/practice-export';
export const EXPORT_VERSION = 1;

type Item = Record<string, unknown>;

/**
 * The practice's data as it leaves the platform (R17): everything it holds, decrypted, in one JSON document
 * whose shape is documented in the README ("Offboarding a practice"). Items the platform keeps only for its
 * own working (rate-limit counters, key records) are not part of it.
 */
export interface PracticeExport {
  format: typeof EXPORT_FORMAT;
  version: typeof EXPORT_VERSION;
  exportedAt: string;
  practice: Item;
  staff: Item[];
  invitations: Item[];
  /** Patient lookups not yet deleted by their expiry, with the details PDS returned. */
  lookups: Item[];
  /** The audit trail, oldest first; lookup events carry the NHS number they were about. */
  auditEvents: Item[];
}

/** What each table may hold for a practice, by sort-key prefix; anything else stops the offboarding. */
const KINDS: Record<TableId, Record<string, 'export' | 'internal'>> = {
  directory: { PRACTICE: 'export', 'STAFF#': 'export', 'INVITATION#': 'export', 'KEYMATERIAL#': 'internal' },
  records: { 'LOOKUP#': 'export', 'RATE#': 'internal' },
  audit: { 'EVENT#': 'export' },
};

function kindOf(table: TableId, sk: string): string | undefined {
  return Object.keys(KINDS[table]).find(
    (prefix) => sk === prefix || (prefix.endsWith('#') && sk.startsWith(prefix)),
  );
}

async function partitionItems(deps: OffboardingDeps, table: TableId, practiceId: string): Promise<Item[]> {
  const items: Item[] = [];
  const pages = paginateQuery(
    { client: deps.practiceClient },
    {
      TableName: deps.tables[table],
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': directoryKeys.practicePartition(practiceId) },
      ConsistentRead: true,
    },
  );
  for await (const page of pages) items.push(...((page.Items ?? []) as Item[]));
  return items;
}

function withoutKeys(item: Item): Item {
  const { pk: _pk, sk: _sk, gsi1pk: _g1, gsi1sk: _g2, ...rest } = item;
  return rest;
}

/** Every item of the practice, table by table; refuses when one is of a kind this export does not know. */
async function practiceItems(deps: OffboardingDeps, practiceId: string) {
  const byTable = {} as Record<TableId, Item[]>;
  for (const table of Object.keys(KINDS) as TableId[]) {
    byTable[table] = await partitionItems(deps, table, practiceId);
    for (const item of byTable[table]) {
      if (!kindOf(table, String(item.sk))) {
        throw new OffboardingError(
          `The ${table} table holds an item of a kind this export does not know (${String(item.sk).split('#')[0]}): ` +
            'nothing was changed. Extend the export before offboarding, or its data would be lost.',
        );
      }
    }
  }
  return byTable;
}

export async function exportPracticeData(deps: OffboardingDeps, practiceId: string): Promise<PracticeExport> {
  const items = await practiceItems(deps, practiceId);
  const pick = (table: TableId, prefix: string) =>
    items[table].filter((item) => kindOf(table, String(item.sk)) === prefix);
  const [practice] = pick('directory', 'PRACTICE');
  if (!practice) throw new OffboardingError(`There is no practice ${practiceId}.`);

  const lookups = await Promise.all(
    pick('records', 'LOOKUP#').map(async (item) => {
      const { patient, ...rest } = withoutKeys(item);
      const details = await deps.fields.decrypt(practiceId, LOOKUP_PATIENT_FIELD, String(patient));
      return {
        ...rest,
        expiresAt: new Date(Number(rest.expiresAt) * 1000).toISOString(),
        patient: JSON.parse(details),
      };
    }),
  );
  const auditEvents = await Promise.all(
    pick('audit', 'EVENT#').map(async (item) => {
      const event = withoutKeys(item);
      const details = { ...((event.details as Item | undefined) ?? {}) };
      if (typeof details.nhsNumberCiphertext === 'string') {
        details.nhsNumber = await deps.fields.decrypt(
          practiceId,
          AUDIT_NHS_NUMBER_FIELD,
          details.nhsNumberCiphertext,
        );
        delete details.nhsNumberCiphertext;
      }
      return { ...event, details } as Item;
    }),
  );
  return {
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    exportedAt: (deps.now?.() ?? new Date()).toISOString(),
    practice: withoutKeys(practice),
    staff: pick('directory', 'STAFF#').map(withoutKeys),
    invitations: pick('directory', 'INVITATION#').map(withoutKeys),
    lookups,
    auditEvents: auditEvents.sort((a, b) => String(a.at).localeCompare(String(b.at))),
  };
}

export interface OffboardingResult {
  practiceId: string;
  exportSha256: string;
  deletedItems: number;
  /** A run that finished an earlier, interrupted offboarding (no new export). */
  resumed: boolean;
}

/**
 * Offboarding, in the order that can never lose data unintentionally nor leave it readable:
 * 1. export everything, decrypted, and hand it to `saveExport` (which must have stored it durably when it
 *    returns: the CLI writes the file and reads it back);
 * 2. record the offboarding on the platform's own trail (identifiers and the export's hash only);
 * 3. crypto-shred: the practice key is destroyed (KMS: scheduled for deletion, unusable at once), so every
 *    ciphertext of the practice, including copies in backups and point-in-time recovery, is noise;
 * 4. delete its items, its staff's membership pointers and its ODS code claim.
 * Run again after a failure past step 2, it finds its own record and finishes steps 3 and 4 (the export
 * could not be made again once the key is gone, and was saved already).
 */
export async function offboardPractice(
  deps: OffboardingDeps,
  practiceId: string,
  options: { operator: string; confirmOdsCode: string; saveExport: (json: string) => Promise<void> },
): Promise<OffboardingResult> {
  const tombstoneKey = { pk: PLATFORM_PARTITION, sk: `OFFBOARDED#${practiceId}` };
  const { Item: earlier } = await deps.platformClient.send(
    new GetCommand({ TableName: deps.tables.directory, Key: tombstoneKey, ConsistentRead: true }),
  );
  let odsCode: string;
  let exportSha256: string;
  if (earlier) {
    odsCode = String(earlier.odsCode);
    exportSha256 = String(earlier.exportSha256);
    if (options.confirmOdsCode.trim().toUpperCase() !== odsCode) {
      throw new OffboardingError(`Confirm with the practice's ODS code (${odsCode}): nothing was changed.`);
    }
  } else {
    const bundle = await exportPracticeData(deps, practiceId);
    odsCode = String(bundle.practice.odsCode);
    if (options.confirmOdsCode.trim().toUpperCase() !== odsCode) {
      throw new OffboardingError(`Confirm with the practice's ODS code (${odsCode}): nothing was changed.`);
    }
    const json = `${JSON.stringify(bundle, null, 2)}\n`;
    await options.saveExport(json);
    exportSha256 = createHash('sha256').update(json).digest('hex');
    await deps.platformClient.send(
      new PutCommand({
        TableName: deps.tables.directory,
        Item: {
          ...tombstoneKey,
          practiceId,
          odsCode,
          at: (deps.now?.() ?? new Date()).toISOString(),
          by: `operator:${options.operator}`,
          exportSha256,
          exportCounts: {
            staff: bundle.staff.length,
            lookups: bundle.lookups.length,
            auditEvents: bundle.auditEvents.length,
          },
        },
      }),
    );
  }

  await deps.keys.destroy(practiceId);
  deps.fields.forget(practiceId);

  let deletedItems = 0;
  const remove = async (
    client: DynamoDBDocumentClient,
    table: TableId,
    key: { pk: unknown; sk: unknown },
  ) => {
    await client.send(new DeleteCommand({ TableName: deps.tables[table], Key: key }));
    deletedItems++;
  };
  const staff = (await partitionItems(deps, 'directory', practiceId)).filter((item) =>
    String(item.sk).startsWith('STAFF#'),
  );
  for (const member of staff) {
    const key = directoryKeys.membership(String(member.sub));
    const { Item } = await deps.platformClient.send(
      new GetCommand({ TableName: deps.tables.directory, Key: key, ConsistentRead: true }),
    );
    if (Item?.practiceId === practiceId) await remove(deps.platformClient, 'directory', key);
  }
  const claim = directoryKeys.odsClaim(odsCode);
  const { Item: claimItem } = await deps.platformClient.send(
    new GetCommand({ TableName: deps.tables.directory, Key: claim, ConsistentRead: true }),
  );
  if (claimItem?.practiceId === practiceId) await remove(deps.platformClient, 'directory', claim);
  // Read again rather than reuse the export's list: items written since (a late request) go too.
  for (const table of Object.keys(KINDS) as TableId[]) {
    for (const item of await partitionItems(deps, table, practiceId)) {
      await remove(deps.practiceClient, table, { pk: item.pk, sk: item.sk });
    }
  }
  return { practiceId, exportSha256, deletedItems, resumed: Boolean(earlier) };
}
