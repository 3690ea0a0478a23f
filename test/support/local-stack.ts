import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LocalStack, type LocalStackOptions, startLocalStack } from '../../infra/local/local-stack';

/**
 * Starts the real local stack (gateway, handlers, dynalite, identity provider) on a free port with a fresh
 * data directory, for one test file.
 */
export async function startTestStack(
  options: { inMemory?: boolean; dataDir?: string } & Pick<
    LocalStackOptions,
    'pdsPatientsDir' | 'lookupSettings'
  > = {},
): Promise<LocalStack & { dataDir: string; stop(): Promise<void> }> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'clinic-test-')));
  const stack = await startLocalStack({
    port: 0,
    dataDir,
    inMemory: options.inMemory ?? true,
    logLevel: 'ERROR',
    ...(options.pdsPatientsDir ? { pdsPatientsDir: options.pdsPatientsDir } : {}),
    ...(options.lookupSettings ? { lookupSettings: options.lookupSettings } : {}),
  });
  return {
    ...stack,
    dataDir,
    async stop() {
      await stack.close();
      if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
