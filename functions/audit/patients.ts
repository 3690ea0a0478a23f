import { patientIndexOf } from '../../layers/audit/audit-log';
import type { FieldCrypto } from '../../layers/crypto/field-crypto';
import { DEFAULT_KEY_CACHE_MS } from '../../layers/crypto/practice-keys';
import { AUDIT_NHS_NUMBER_FIELD, AUDIT_PATIENT_NAME_FIELD } from '../../layers/records/record-kinds';
import type { ReportEvent, ResolvedPatient } from './event-catalogue';

interface PracticeCache {
  expiresAt: number;
  /** By blind index: the same patient's NHS number, whichever event it was decrypted from. */
  nhsNumbers: Map<string, Promise<string>>;
  /** By blind index: the name an event about that patient carried. */
  names: Map<string, Promise<string>>;
}

/** Beyond this many patients per practice the cache starts again: a year of a busy practice fits. */
const MAX_PATIENTS = 100_000;
const caches = new Map<string, PracticeCache>();

/**
 * Decrypts the patient an audit event is about, for the compliance officer's view (never logged). Each value
 * is an Encryption SDK message (about a millisecond to open), so a year's report would spend minutes on them:
 * values are decrypted once per patient (by blind index, which is equal exactly when the NHS numbers are) and
 * kept for the same time and in the same container as the practice's unwrapped data key, which can decrypt all
 * of them anyway, so keeping them widens nothing. A name is shown only on an event that carries one (a lookup
 * that matched), never borrowed from another event; it is the name the first such event of that patient gave.
 */
export class PatientResolver {
  constructor(
    private readonly fields: FieldCrypto,
    private readonly practiceId: string,
    private readonly now: () => number = Date.now,
  ) {}

  async resolve(event: ReportEvent): Promise<ResolvedPatient | undefined> {
    const nhsCiphertext = event.details.nhsNumberCiphertext;
    const nameCiphertext = event.details.patientNameCiphertext;
    if (typeof nhsCiphertext !== 'string' && typeof nameCiphertext !== 'string') return undefined;
    const index = patientIndexOf(event as never);
    const cache = this.cache();
    try {
      const [nhsNumber, name] = await Promise.all([
        typeof nhsCiphertext === 'string'
          ? this.cached(cache.nhsNumbers, index, () =>
              this.fields.decrypt(this.practiceId, AUDIT_NHS_NUMBER_FIELD, nhsCiphertext),
            )
          : undefined,
        typeof nameCiphertext === 'string'
          ? this.cached(cache.names, index, () =>
              this.fields.decrypt(this.practiceId, AUDIT_PATIENT_NAME_FIELD, nameCiphertext),
            )
          : undefined,
      ]);
      return { ...(nhsNumber ? { nhsNumber } : {}), ...(name ? { name } : {}) };
    } catch {
      // The key was destroyed, or the value is damaged or belongs elsewhere: say so on the row, go on.
      return { unreadable: true };
    }
  }

  private cached(
    map: Map<string, Promise<string>>,
    index: string | undefined,
    decrypt: () => Promise<string>,
  ) {
    // Without an index (input that was not an NHS number) there is nothing to share: decrypt each.
    if (!index) return decrypt();
    let value = map.get(index);
    if (!value) {
      if (map.size >= MAX_PATIENTS) map.clear();
      value = decrypt();
      map.set(index, value);
      value.catch(() => map.delete(index as string));
    }
    return value;
  }

  private cache(): PracticeCache {
    const now = this.now();
    let cache = caches.get(this.practiceId);
    if (!cache || cache.expiresAt <= now) {
      cache = { expiresAt: now + DEFAULT_KEY_CACHE_MS, nhsNumbers: new Map(), names: new Map() };
      caches.set(this.practiceId, cache);
    }
    return cache;
  }
}

/** Drops what this container decrypted for a practice (a test, or after the practice's key was destroyed). */
export function forgetPatients(practiceId?: string): void {
  if (practiceId) caches.delete(practiceId);
  else caches.clear();
}
