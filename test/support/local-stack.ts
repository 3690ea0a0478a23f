import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { capability as pdsCapability } from '../../infra/capabilities/pds';
import { startLocalStack } from '../../infra/local/local-stack';

/**
 * Starts the real local stack (gateway, handlers, dynalite, identity provider) on a free port with a fresh
 * data directory, for one test file.
 */
export async function startTestStack(
  options: {
    inMemory?: boolean;
    dataDir?: string;
    /** The PDS Patient JSON files the local PDS serves, instead of the synthetic set. */
    pdsPatientsDir?: string;
    /** Area and stand-in settings, as `npm start` reads them from its environment. */
    env?: Record<string, string>;
    /** Run the event functions on their triggers (default); see LocalStackOptions. */
    eventFunctions?: boolean;
  } = {},
) {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'clinic-test-')));
  const stack = await startLocalStack({
    port: 0,
    dataDir,
    inMemory: options.inMemory ?? true,
    logLevel: 'ERROR',
    ...(options.eventFunctions === false ? { eventFunctions: false } : {}),
    env: {
      ...options.env,
      ...(options.pdsPatientsDir ? { PDS_PATIENTS_DIR: options.pdsPatientsDir } : {}),
    },
  });
  return {
    ...stack,
    /** The local PDS, as the lookup tests use it. */
    pds: stack.standIn(pdsCapability),
    dataDir,
    async stop() {
      await stack.close();
      if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
