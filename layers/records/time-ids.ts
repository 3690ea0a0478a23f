import { randomBytes } from 'node:crypto';

/**
 * UUID version 7 (RFC 9562): 48 bits of Unix milliseconds, then 74 random bits. In lower-case hex they sort
 * by creation time, so "today's invites" is one key-range query on the practice's partition (`INVITE#<id>`),
 * with no index and no scan. The time an id carries is when the invite was made, which its record says anyway.
 */
export function uuidv7(now: number = Date.now()): string {
  if (!Number.isInteger(now) || now < 0 || now >= 2 ** 48) throw new RangeError('Not a time for a UUIDv7.');
  const bytes = randomBytes(16);
  let ms = now;
  for (let i = 5; i >= 0; i--) {
    bytes[i] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x70;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  return format(bytes.toString('hex'));
}

function format(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** The smallest UUIDv7 of a millisecond: ids made at or after `ms` sort at or after it. */
export function uuidv7Floor(ms: number): string {
  const hex = Math.max(0, Math.floor(ms)).toString(16).padStart(12, '0').slice(-12);
  return format(`${hex}7000${'8000'}${'0'.repeat(12)}`);
}

/** When a UUIDv7 was made (ms since the epoch). */
export function uuidv7Time(id: string): number {
  return Number.parseInt(id.replace(/-/gu, '').slice(0, 12), 16);
}

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/u;
