import type { StorageProbe } from '../../layers/storage/storage-probe';

export interface HealthReport {
  status: 'ok' | 'degraded';
  version: string;
  checks: { storage: 'ok' | 'failing' };
}

export async function checkHealth(deps: { storage: StorageProbe; version: string }): Promise<HealthReport> {
  const storage = await deps.storage.ping().then(
    () => 'ok' as const,
    () => 'failing' as const,
  );
  return { status: storage === 'ok' ? 'ok' : 'degraded', version: deps.version, checks: { storage } };
}
