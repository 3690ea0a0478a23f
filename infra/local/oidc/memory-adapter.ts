import type { Adapter, AdapterPayload } from 'oidc-provider';

/**
 * oidc-provider storage in this process's memory, one store per provider instance: sessions, grants,
 * codes and refresh tokens are lost on restart (signing and cookie keys are not; see keys.ts), which for
 * local development just means signing in again.
 */
interface Entry {
  payload: AdapterPayload;
  expiresAtMs: number;
}

class Store {
  readonly entries = new Map<string, Entry>();
  readonly byGrant = new Map<string, Set<string>>();
  readonly sessionByUid = new Map<string, string>();
  readonly byUserCode = new Map<string, string>();
  #writes = 0;

  get(key: string): AdapterPayload | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAtMs <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.payload;
  }

  set(key: string, payload: AdapterPayload, expiresInSeconds: number | undefined): void {
    const expiresAtMs =
      expiresInSeconds === undefined ? Number.POSITIVE_INFINITY : Date.now() + expiresInSeconds * 1000;
    this.entries.set(key, { payload, expiresAtMs });
    this.#writes += 1;
    if (this.#writes % 500 === 0) this.prune();
  }

  /** Every session, grant and token of one account: what Cognito's AdminUserGlobalSignOut ends. */
  forgetAccount(accountId: string): void {
    for (const [key, entry] of this.entries) {
      if (entry.payload.accountId === accountId) this.entries.delete(key);
    }
  }

  prune(): void {
    const now = Date.now();
    for (const [key, entry] of this.entries) if (entry.expiresAtMs <= now) this.entries.delete(key);
  }
}

const GRANTABLE = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'PreAuthorizedCode',
]);

/** Seconds of clock tolerance kept beyond expiry, as oidc-provider's own memory adapter does. */
const CLOCK_TOLERANCE_SECONDS = 15;

export class MemoryAdapter implements Adapter {
  constructor(
    private readonly model: string,
    private readonly store: Store,
  ) {}

  /**
   * A factory for `Configuration.adapter` with a store of its own; `forgetAccount` ends every session, grant
   * and token of an account in it.
   */
  static factory(): ((model: string) => Adapter) & { forgetAccount(accountId: string): void } {
    const store = new Store();
    return Object.assign((model: string) => new MemoryAdapter(model, store), {
      forgetAccount: (accountId: string) => store.forgetAccount(accountId),
    });
  }

  #key(id: string): string {
    return `${this.model}:${id}`;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    const key = this.#key(id);
    const ttl = expiresIn === undefined ? undefined : expiresIn + CLOCK_TOLERANCE_SECONDS;
    this.store.set(key, payload, ttl);
    if (this.model === 'Session' && payload.uid) this.store.sessionByUid.set(payload.uid, id);
    if (payload.userCode) this.store.byUserCode.set(payload.userCode, id);
    if (GRANTABLE.has(this.model) && payload.grantId) {
      const members = this.store.byGrant.get(payload.grantId) ?? new Set<string>();
      members.add(key);
      this.store.byGrant.set(payload.grantId, members);
    }
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    return this.store.get(this.#key(id));
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    const id = this.store.sessionByUid.get(uid);
    return id === undefined ? undefined : this.find(id);
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    const id = this.store.byUserCode.get(userCode);
    return id === undefined ? undefined : this.find(id);
  }

  async consume(id: string): Promise<void> {
    const payload = this.store.get(this.#key(id));
    if (payload) payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id: string): Promise<void> {
    const key = this.#key(id);
    const payload = this.store.get(key);
    this.store.entries.delete(key);
    if (payload?.uid && this.store.sessionByUid.get(payload.uid) === id)
      this.store.sessionByUid.delete(payload.uid);
    if (payload?.userCode && this.store.byUserCode.get(payload.userCode) === id) {
      this.store.byUserCode.delete(payload.userCode);
    }
    if (payload?.grantId) this.store.byGrant.get(payload.grantId)?.delete(key);
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    for (const key of this.store.byGrant.get(grantId) ?? []) this.store.entries.delete(key);
    this.store.byGrant.delete(grantId);
  }
}
