import { createHash } from 'node:crypto';
import * as z from '../../validation/z';
import { canonicalBytes, canonicalHash } from './canonical-json';

/**
 * The audit digest, modelled on CloudTrail's digest files: each one lists what it seals with a hash per item,
 * covers a time range that starts where the previous digest's ended, names the previous digest's signature and
 * hash (so removing or changing one breaks the chain), and is written even when it seals nothing (so a gap in
 * sealing is visible). Differences from CloudTrail, and why:
 *
 * - it seals audit events (one hash each), not log files;
 * - it carries a sequence number, so a removed digest is a visible gap even when its neighbours' times touch;
 * - the signature covers the whole digest (its canonical JSON), not a string built from a few fields: there is
 *   then no field an attacker may change without breaking the signature;
 * - the signature is ECDSA P-256 over SHA-256 (KMS `ECC_NIST_P256` / `ECDSA_SHA_256`), DER-encoded, in hex.
 */
export const DIGEST_FORMAT = 'clinic-connect/audit-digest/1';
export const SIGNATURE_ALGORITHM = 'ECDSA_SHA_256';
export const HASH_ALGORITHM = 'SHA-256';

/** The first digest of a practice covers everything up to its end: its range starts here. */
export const GENESIS = '1970-01-01T00:00:00.000Z';

const hex = (length?: number) =>
  z.string().check(z.regex(length ? new RegExp(`^[0-9a-f]{${length}}$`) : /^(?:[0-9a-f]{2})+$/));

export const SealedEvent = z.strictObject({
  eventId: z.string().check(z.minLength(1)),
  at: z.string().check(z.minLength(1)),
  /** Hex SHA-256 of the event's canonical JSON (see `eventHash`). */
  hash: hex(64),
});
export type SealedEvent = z.infer<typeof SealedEvent>;

export const AuditDigest = z.strictObject({
  format: z.literal(DIGEST_FORMAT),
  practiceId: z.string(),
  /** 1 for a practice's first digest, then one more each time. */
  sequence: z.int().check(z.positive()),
  /** Half-open range [start, end) of event times this digest seals; start = the previous digest's end. */
  digestStartTime: z.iso.datetime(),
  digestEndTime: z.iso.datetime(),
  /** Oldest and newest `at` among the sealed events; null when the digest seals none. */
  oldestEventTime: z.nullable(z.string()),
  newestEventTime: z.nullable(z.string()),
  previousDigestSignature: z.nullable(hex()),
  /** Hex SHA-256 of the previous digest's canonical JSON. */
  previousDigestHashValue: z.nullable(hex(64)),
  previousDigestHashAlgorithm: z.nullable(z.literal(HASH_ALGORITHM)),
  /** The KMS key ARN (or local key id) whose public key verifies this digest. */
  signingKeyId: z.string().check(z.minLength(1)),
  signatureAlgorithm: z.literal(SIGNATURE_ALGORITHM),
  eventHashAlgorithm: z.literal(HASH_ALGORITHM),
  /** When the sealer wrote it. */
  createdAt: z.iso.datetime(),
  /** In canonical order: by `at`, then `eventId` (code-unit order, as DynamoDB sorts the events' sort keys). */
  events: z.array(SealedEvent),
});
export type AuditDigest = z.infer<typeof AuditDigest>;

/** A digest as stored: the digest and its DER signature in hex (CloudTrail also writes signatures in hex). */
export const SignedAuditDigest = z.strictObject({
  digest: AuditDigest,
  signature: hex(),
});
export type SignedAuditDigest = z.infer<typeof SignedAuditDigest>;

/** The bytes that are signed, and hashed by the next digest: UTF-8 of the digest's canonical JSON. */
export function digestBytes(digest: AuditDigest): Uint8Array {
  return canonicalBytes(digest);
}

export function digestHash(digest: AuditDigest): string {
  return createHash('sha256').update(digestBytes(digest)).digest('hex');
}

/**
 * An audit event as the store holds it, without the table's key attributes (`pk`, `sk`: they are derived from
 * the practice, `at` and `eventId`). Every other attribute is hashed, so an attribute added to a stored item
 * is a change too: adapters must hand over the item as stored, not a schema-parsed copy with unknown keys
 * dropped.
 */
export type AuditEventRecord = { readonly eventId: string; readonly at: string } & Readonly<
  Record<string, unknown>
>;

export function eventHash(event: AuditEventRecord): string {
  return canonicalHash(event);
}

/** The canonical order of events: `at`, then `eventId`, by UTF-16 code units (= DynamoDB's `EVENT#<at>#<id>`). */
export function compareEvents(
  a: { at: string; eventId: string },
  b: { at: string; eventId: string },
): number {
  if (a.at !== b.at) return a.at < b.at ? -1 : 1;
  if (a.eventId !== b.eventId) return a.eventId < b.eventId ? -1 : 1;
  return 0;
}

/** Another digest already holds this practice's sequence number: a concurrent sealer got there first. */
export class DigestConflictError extends Error {
  override readonly name: string = 'DigestConflictError';
  constructor(
    readonly practiceId: string,
    readonly sequence: number,
  ) {
    super(`Practice ${practiceId} already has a different digest ${sequence}.`);
  }
}

/** Turns a time given as any ISO 8601 form into the `toISOString` form that event times and ranges use. */
export function isoTime(value: string | Date): string {
  const date = typeof value === 'string' ? new Date(value) : value;
  if (Number.isNaN(date.getTime())) throw new TypeError(`Not a time: ${String(value)}`);
  return date.toISOString();
}
