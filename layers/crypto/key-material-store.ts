import { randomBytes } from 'node:crypto';
import { chmod, link, mkdir, open, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { assertPracticeId } from './practice-id';

/**
 * Port: small per-practice records the key adapters need to keep, such as the practice key's ARN and the
 * practice's data key WRAPPED under the practice key. Nothing stored here is secret in the clear: whoever reads
 * the store still needs the practice key (KMS, or the local key file) to unwrap anything.
 */
/** The record holding a practice's KMS key ARN (in AWS), beside its wrapped data key. */
export const PRACTICE_KEY_ARN_RECORD = 'kms-key-arn';

export interface KeyMaterialStore {
  get(practiceId: string, name: string): Promise<string | undefined>;
  /** Stores `value` unless a value is already there; returns the value that won (a race's loser gets the winner's). */
  putIfAbsent(practiceId: string, name: string, value: string): Promise<string>;
  /** Overwrites; for records the adapter owns outright, such as the key ARN after (re)provisioning. */
  put(practiceId: string, name: string, value: string): Promise<void>;
  /** Removes every record of the practice (offboarding). */
  deleteAll(practiceId: string): Promise<void>;
}

const NAME = /^[a-z][a-z0-9-]{0,62}$/;

export function assertMaterialName(name: string): void {
  if (!NAME.test(name)) throw new TypeError('Key material names are short lowercase identifiers.');
}

/** In memory, for tests. */
export class MemoryKeyMaterialStore implements KeyMaterialStore {
  private readonly records = new Map<string, Map<string, string>>();

  async get(practiceId: string, name: string) {
    return this.records.get(practiceId)?.get(name);
  }

  // Check and set with no await between them, so that racing callers see one winner, as with DynamoDB.
  async putIfAbsent(practiceId: string, name: string, value: string) {
    const practice = this.practice(practiceId, name);
    const existing = practice.get(name);
    if (existing !== undefined) return existing;
    practice.set(name, value);
    return value;
  }

  async put(practiceId: string, name: string, value: string) {
    this.practice(practiceId, name).set(name, value);
  }

  async deleteAll(practiceId: string) {
    this.records.delete(practiceId);
  }

  private practice(practiceId: string, name: string) {
    assertPracticeId(practiceId);
    assertMaterialName(name);
    let practice = this.records.get(practiceId);
    if (!practice) {
      practice = new Map();
      this.records.set(practiceId, practice);
    }
    return practice;
  }
}

/**
 * Local stand-in: one file per record at `${dir}/<practiceId>.<name>`, directory 0700, files 0600, created
 * exclusively (so `putIfAbsent` is race-safe across processes). `dir` sits under the git-ignored data dir.
 */
export class FileKeyMaterialStore implements KeyMaterialStore {
  constructor(private readonly dir: string) {}

  async get(practiceId: string, name: string) {
    try {
      return await readFile(this.path(practiceId, name), 'utf8');
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async putIfAbsent(practiceId: string, name: string, value: string) {
    const path = this.path(practiceId, name);
    await ensurePrivateDir(this.dir);
    if (await createPrivateFile(path, value)) return value;
    return (await this.get(practiceId, name)) ?? value;
  }

  async put(practiceId: string, name: string, value: string) {
    const path = this.path(practiceId, name);
    await ensurePrivateDir(this.dir);
    await writeFile(path, value, { mode: 0o600 });
    await chmod(path, 0o600);
  }

  async deleteAll(practiceId: string) {
    assertPracticeId(practiceId);
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if (isNotFound(error)) return;
      throw error;
    }
    const prefix = `${practiceId}.`;
    for (const file of names) {
      if (!file.startsWith(prefix) || !NAME.test(file.slice(prefix.length))) continue;
      await shredFile(join(this.dir, file));
    }
  }

  private path(practiceId: string, name: string) {
    assertPracticeId(practiceId);
    assertMaterialName(name);
    return join(this.dir, `${practiceId}.${name}`);
  }
}

/**
 * Creates `path` (mode 0600) holding `data`, unless it exists; returns whether it did. The content is written
 * to a temporary name first and then hard-linked into place, so a concurrent reader never sees a half-written
 * file and exactly one of two racing writers wins.
 */
export async function createPrivateFile(path: string, data: string | Uint8Array): Promise<boolean> {
  const temporary = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(temporary, data, { mode: 0o600, flag: 'wx' });
  try {
    await link(temporary, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await rm(temporary, { force: true }); // only a second name: after a successful link the file stays
  }
}

/** Creates `dir` (and parents) and makes sure only the owner can list or enter it. */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
}

/**
 * Overwrites a file with random bytes, flushes, then unlinks it. On journaling, copy-on-write or flash storage
 * the old blocks may survive the overwrite: locally this is best effort, in AWS deletion of the KMS key is what
 * shreds. Missing files are fine (idempotent).
 */
export async function shredFile(path: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'r+');
  } catch (error) {
    if (isNotFound(error)) return;
    throw error;
  }
  try {
    const { size } = await handle.stat();
    if (size > 0) await handle.write(randomBytes(size), 0, size, 0);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rm(path, { force: true });
}

export function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}
