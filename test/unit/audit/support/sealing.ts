import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import type { AuditEventRecord } from '../../../../layers/audit/seal/digest';
import { MemoryDigestStore } from '../../../../layers/audit/seal/digest-store';
import { MemoryEventSource } from '../../../../layers/audit/seal/event-source';
import { sealPractice } from '../../../../layers/audit/seal/sealer';
import { type DigestSigner, DigestVerifier } from '../../../../layers/audit/seal/signing';

export const PRACTICE = 'practice-a';
export const T0 = Date.parse('2026-03-02T09:00:00.000Z');
export const at = (ms: number) => new Date(T0 + ms).toISOString();
export const SECOND = 1000;
export const MINUTE = 60 * SECOND;

/** An in-process P-256 signer, standing in for KMS: same algorithm, same DER output. */
export class TestSigner implements DigestSigner {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;

  constructor(readonly keyId = 'test/audit-key-1') {
    const pair = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    this.privateKey = pair.privateKey;
    this.publicKey = pair.publicKey;
  }

  async sign(bytes: Uint8Array): Promise<Uint8Array> {
    return sign('sha256', bytes, { key: this.privateKey, dsaEncoding: 'der' });
  }

  verifier(): DigestVerifier {
    return DigestVerifier.fromPublicKey(
      this.keyId,
      this.publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    );
  }
}

export function auditEvent(index: number, time: string, practiceId = PRACTICE): AuditEventRecord {
  return {
    eventId: `evt-${String(index).padStart(4, '0')}`,
    practiceId,
    type: index % 2 === 0 ? 'patient.lookup' : 'staff.approved',
    at: time,
    actor: { sub: `user-${index % 3}`, role: 'clinician' },
    details: { outcome: index % 2 === 0 ? 'matched' : 'approved', attempt: index },
    requestId: `req-${index}`,
  };
}

/**
 * Thirty events, one every ten seconds from T0, sealed by a digest each minute (so several digests, some
 * empty at the end), and then once more 40 minutes on, so every event is older than the late window.
 */
export async function sealedTrail<S extends DigestSigner = TestSigner>(
  signer: S = new TestSigner() as unknown as S,
) {
  const events = new MemoryEventSource();
  const digests = new MemoryDigestStore();
  const records = Array.from({ length: 30 }, (_, index) => auditEvent(index, at(index * 10 * SECOND)));
  for (const record of records) events.put(PRACTICE, record);
  for (let minute = 1; minute <= 7; minute++) {
    await sealPractice({
      practiceId: PRACTICE,
      events,
      digests,
      signer,
      now: new Date(T0 + minute * MINUTE),
    });
  }
  await sealPractice({ practiceId: PRACTICE, events, digests, signer, now: new Date(T0 + 40 * MINUTE) });
  return { events, digests, records, signer };
}

/** A copy of an event source with its items changed by `edit`. */
export function tamperedEvents(
  source: MemoryEventSource,
  edit: (items: { sk: string; record: AuditEventRecord }[]) => { sk: string; record: AuditEventRecord }[],
) {
  return new MemoryEventSource(
    edit(source.items(PRACTICE)).map((item) => ({ practiceId: PRACTICE, ...item })),
  );
}
