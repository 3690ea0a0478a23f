import type { Dirent } from 'node:fs';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { isNotFound } from '../crypto/key-material-store';

export interface TrailObject {
  body: Uint8Array;
  /**
   * User metadata as S3 GetObject returns it in `Metadata`: names without the `x-amz-meta-` prefix, lower
   * case (a CloudTrail digest has `signature` and `signature-algorithm`).
   */
  metadata: Record<string, string>;
}

/**
 * Port: read access to the trail's bucket(s), as `validate-logs` needs it (ListObjects and GetObject). Keys
 * come back in S3's order (ascending UTF-8 bytes, which for CloudTrail's ASCII keys is string order).
 */
export interface TrailObjectReader {
  list(bucket: string, prefix: string, startAfter?: string): AsyncIterable<string>;
  /** Undefined when there is no such object (S3's NoSuchKey). */
  get(bucket: string, key: string): Promise<TrailObject | undefined>;
}

/** Port: where the local trail writer delivers log and digest files. */
export interface TrailObjectWriter {
  put(bucket: string, key: string, body: Uint8Array, metadata?: Record<string, string>): Promise<void>;
}

export type TrailObjects = TrailObjectReader & TrailObjectWriter;

/** In memory, for tests. `delete` and overwriting `put` are there so tests can tamper like a bucket owner. */
export class MemoryTrailObjects implements TrailObjects {
  private readonly buckets = new Map<string, Map<string, TrailObject>>();

  async *list(bucket: string, prefix: string, startAfter?: string) {
    const keys = [...(this.buckets.get(bucket)?.keys() ?? [])].sort();
    for (const key of keys) {
      if (key.startsWith(prefix) && (startAfter === undefined || key > startAfter)) yield key;
    }
  }

  async get(bucket: string, key: string) {
    const found = this.buckets.get(bucket)?.get(key);
    return found && { body: Uint8Array.from(found.body), metadata: { ...found.metadata } };
  }

  async put(bucket: string, key: string, body: Uint8Array, metadata: Record<string, string> = {}) {
    let objects = this.buckets.get(bucket);
    if (!objects) {
      objects = new Map();
      this.buckets.set(bucket, objects);
    }
    objects.set(key, { body: Uint8Array.from(body), metadata: { ...metadata } });
  }

  async delete(bucket: string, key: string) {
    this.buckets.get(bucket)?.delete(key);
  }
}

/**
 * Local stand-in for the bucket: `${root}/<bucket>/<key>` holds the object's bytes, exactly as S3 would (so the
 * tree can be copied to a bucket or read by other tools), and `${root}/.metadata/<bucket>/<key>.json` its user
 * metadata. Keys come from digest files, which may have been tampered with, so a key that would leave the
 * bucket's directory (`..`, absolute, backslashes) is treated as absent, never read.
 */
export class FileTrailObjects implements TrailObjects {
  constructor(private readonly root: string) {}

  async *list(bucket: string, prefix: string, startAfter?: string) {
    const bucketDir = this.bucketDir(bucket);
    // Walk only below the deepest directory the prefix names.
    const base = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/') + 1) : '';
    if (base !== '' && !safeKey(base.slice(0, -1))) return;
    const keys: string[] = [];
    await walk(join(bucketDir, ...base.split('/').filter(Boolean)), base, keys);
    for (const key of keys.sort()) {
      if (key.startsWith(prefix) && (startAfter === undefined || key > startAfter)) yield key;
    }
  }

  async get(bucket: string, key: string) {
    if (!safeKey(key)) return undefined;
    try {
      const body = await readFile(join(this.bucketDir(bucket), ...key.split('/')));
      const metadata = await readFile(this.metadataPath(bucket, key), 'utf8').then(
        (text) => JSON.parse(text) as Record<string, string>,
        (error: unknown) => {
          if (isNotFound(error)) return {};
          throw error;
        },
      );
      return { body: new Uint8Array(body), metadata };
    } catch (error) {
      if (isNotFound(error) || (error as NodeJS.ErrnoException).code === 'EISDIR') return undefined;
      throw error;
    }
  }

  async put(bucket: string, key: string, body: Uint8Array, metadata: Record<string, string> = {}) {
    if (!safeKey(key)) throw new TypeError(`Not a key this store can hold: ${key}`);
    const path = join(this.bucketDir(bucket), ...key.split('/'));
    // Metadata first, then the object by rename: a reader never sees a digest without its signature.
    await writeAtomically(this.metadataPath(bucket, key), JSON.stringify(metadata));
    await writeAtomically(path, body);
  }

  private bucketDir(bucket: string) {
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket))
      throw new TypeError(`Not a bucket name: ${bucket}`);
    return join(this.root, bucket);
  }

  private metadataPath(bucket: string, key: string) {
    return `${join(this.root, '.metadata', bucket, ...key.split('/'))}.json`;
  }
}

function safeKey(key: string): boolean {
  if (key === '' || key.startsWith('/') || key.includes('\\') || key.includes('\0')) return false;
  return key.split('/').every((part) => part !== '' && part !== '.' && part !== '..');
}

async function walk(dir: string, keyPrefix: string, into: string[]): Promise<void> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if (isNotFound(error)) return;
    throw error;
  }
  for (const entry of entries) {
    if (entry.isDirectory()) await walk(join(dir, entry.name), `${keyPrefix}${entry.name}/`, into);
    else if (entry.isFile() && !entry.name.includes('.tmp-')) into.push(`${keyPrefix}${entry.name}`);
  }
}

async function writeAtomically(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.tmp-${process.pid}-${Date.now()}`;
  await writeFile(temporary, data);
  await rename(temporary, path);
}
