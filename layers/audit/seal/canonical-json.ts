import { createHash } from 'node:crypto';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** The value cannot be given one canonical form (so it could never be hashed the same way twice). */
export class CanonicalJsonError extends TypeError {
  override readonly name: string = 'CanonicalJsonError';
}

/**
 * Canonical JSON after RFC 8785 (JCS): object members sorted by their names' UTF-16 code units, no whitespace,
 * strings and numbers written as ECMAScript's JSON.stringify writes them (shortest round-trip numbers, `-0` as
 * `0`, the same escapes). Two logically equal values always give the same text, so a hash of it survives a
 * round trip through DynamoDB, a file or another process.
 *
 * Only JSON data is accepted: a Date, Map, class instance, bigint, NaN or Infinity, a cycle, or `undefined`
 * inside an array throws rather than being silently turned into something else (JSON.stringify would write a
 * Date as a string and NaN as null, and then a changed value could hash like the original). An object member
 * whose value is `undefined` is treated as absent, as JSON.stringify and DynamoDB's marshalling both do.
 */
export function canonicalJson(value: unknown): string {
  return write(value, new Set());
}

export function canonicalBytes(value: unknown): Uint8Array {
  return new TextEncoder().encode(canonicalJson(value));
}

/** Hex SHA-256 of the canonical JSON. */
export function canonicalHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value), 'utf8').digest('hex');
}

function write(value: unknown, open: Set<object>): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new CanonicalJsonError('JSON has no NaN or Infinity.');
      return JSON.stringify(value);
    case 'object':
      break;
    default:
      throw new CanonicalJsonError(`A ${typeof value} is not JSON.`);
  }
  if (value === null) return 'null';
  if (open.has(value)) throw new CanonicalJsonError('A cyclic value has no JSON form.');
  open.add(value);
  try {
    if (Array.isArray(value)) {
      const items: string[] = [];
      for (let index = 0; index < value.length; index++) {
        if (value[index] === undefined) throw new CanonicalJsonError('An array may not hold undefined.');
        items.push(write(value[index], open));
      }
      return `[${items.join(',')}]`;
    }
    const prototype = Object.getPrototypeOf(value);
    if (prototype !== Object.prototype && prototype !== null) {
      throw new CanonicalJsonError('Only plain objects are JSON objects.');
    }
    const record = value as Record<string, unknown>;
    // Array.prototype.sort without a comparator orders by UTF-16 code units, which is what JCS prescribes.
    const names = Object.keys(record)
      .filter((name) => record[name] !== undefined)
      .sort();
    return `{${names.map((name) => `${JSON.stringify(name)}:${write(record[name], open)}`).join(',')}}`;
  } finally {
    open.delete(value);
  }
}
