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
import {
  kindOfItem,
  RECORD_KINDS,
  type RecordKind,
  type RecordKindName,
} from '../../layers/records/record-kinds';
import { PLATFORM_PARTITION, TABLES, type TableId } from '../../layers/storage/tables';

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
 * whose shape is documented in the README ("Offboarding a practice"). One section per exported record kind
 * (layers/records/record-kinds.ts): `practice`, `staff`, `invitations`, `lookups`, `auditEvents`, ... Working
 * data of the platform (rate-limit counters, wrapped keys) is not part of it.
 */
export type PracticeExport = {
  format: typeof EXPORT_FORMAT;
  version: typeof EXPORT_VERSION;
  exportedAt: string;
  practice: Item;
} & Record<string, unknown>;

const TABLE_IDS = TABLES.map((table) => table.id);

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

/** Every item of the practice, by kind; refuses when one is of a kind no declaration knows. */
async function practiceItems(deps: OffboardingDeps, practiceId: string) {
  const byKind = new Map<RecordKindName, Item[]>();
  for (const table of TABLE_IDS) {
    for (const item of await partitionItems(deps, table, practiceId)) {
      const kind = kindOfItem(table, String(item.sk));
      if (!kind) {
        throw new OffboardingError(
          `The ${table} table holds an item of a kind no record declaration knows (${String(item.sk).split('#')[0]}): ` +
            'nothing was changed. Declare it in layers/records/record-kinds.ts before offboarding, or its data would be lost.',
        );
      }
      byKind.set(kind, [...(byKind.get(kind) ?? []), item]);
    }
  }
  return byKind;
}

const get = (item: Item, path: string): unknown =>
  path.split('.').reduce<unknown>((value, key) => (value as Item | undefined)?.[key], item);

function set(item: Item, path: string, value: unknown): void {
  const keys = path.split('.');
  const last = keys.pop() as string;
  let target = item;
  for (const key of keys) {
    target[key] = { ...((target[key] as Item | undefined) ?? {}) };
    target = target[key] as Item;
  }
  target[last] = value;
}

function unset(item: Item, path: string): void {
  const keys = path.split('.');
  const last = keys.pop() as string;
  const parent = keys.reduce<Item | undefined>((value, key) => value?.[key] as Item | undefined, item);
  if (parent) delete parent[last];
}

/** One item as the export shows it: keys dropped, encrypted attributes decrypted, TTLs as ISO times. */
async function exported(
  deps: OffboardingDeps,
  practiceId: string,
  kind: RecordKind,
  item: Item,
): Promise<Item> {
  const out = structuredClone(withoutKeys(item));
  if ('discard' in kind.offboarding) return out;
  for (const rule of kind.offboarding.decrypt ?? []) {
    const ciphertext = get(out, rule.from);
    if (typeof ciphertext !== 'string') continue;
    const plaintext = await deps.fields.decrypt(practiceId, rule.field, ciphertext);
    unset(out, rule.from);
    set(out, rule.to, rule.json ? JSON.parse(plaintext) : plaintext);
  }
  for (const attribute of kind.offboarding.omit ?? []) unset(out, attribute);
  for (const attribute of kind.offboarding.epochSeconds ?? []) {
    const seconds = get(out, attribute);
    if (typeof seconds === 'number') set(out, attribute, new Date(seconds * 1000).toISOString());
  }
  return out;
}

export async function exportPracticeData(deps: OffboardingDeps, practiceId: string): Promise<PracticeExport> {
  const items = await practiceItems(deps, practiceId);
  const sections: Record<string, unknown> = {};
  for (const [name, kind] of Object.entries(RECORD_KINDS) as [RecordKindName, RecordKind][]) {
    const rule = kind.offboarding;
    if ('discard' in rule) continue;
    const rows = await Promise.all(
      (items.get(name) ?? []).map((item) => exported(deps, practiceId, kind, item)),
    );
    const orderBy = rule.orderBy;
    if (orderBy) rows.sort((a, b) => String(a[orderBy]).localeCompare(String(b[orderBy])));
    sections[rule.exportAs] = rule.single ? rows[0] : rows;
  }
  const practice = sections.practice as Item | undefined;
  if (!practice) throw new OffboardingError(`There is no practice ${practiceId}.`);
  return {
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    exportedAt: (deps.now?.() ?? new Date()).toISOString(),
    ...sections,
    practice,
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
          exportCounts: Object.fromEntries(
            Object.entries(bundle).flatMap(([section, rows]) =>
              Array.isArray(rows) ? [[section, rows.length]] : [],
            ),
          ),
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
  const staff = (await partitionItems(deps, 'directory', practiceId)).filter(
    (item) => kindOfItem('directory', String(item.sk)) === 'staff',
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
  // Off the platform's list: scheduled work for every practice (sealing) stops with it.
  await remove(deps.platformClient, 'directory', directoryKeys.registration(practiceId));
  // Read again rather than reuse the export's list: items written since (a late request) go too.
  for (const table of TABLE_IDS) {
    for (const item of await partitionItems(deps, table, practiceId)) {
      await remove(deps.practiceClient, table, { pk: item.pk, sk: item.sk });
    }
  }
  return { practiceId, exportSha256, deletedItems, resumed: Boolean(earlier) };
}
