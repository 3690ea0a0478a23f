import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { CapabilityId } from '../../layers/capabilities';
import type { FunctionDefinition } from '../../layers/functions/definition';
import type { Capability } from './capability';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const NOT_CAPABILITIES = new Set(['capability.ts', 'registry.ts']);

export type CapabilityRegistry = ReadonlyMap<CapabilityId, Capability>;

/**
 * Every capability module of this folder, by id. Found by file name (`<id>.ts` exports `capability` with that
 * id), so adding an outside system is adding its module, not editing a list.
 */
export async function loadCapabilities(): Promise<CapabilityRegistry> {
  const registry = new Map<CapabilityId, Capability>();
  for (const file of readdirSync(HERE).sort()) {
    if (!file.endsWith('.ts') || NOT_CAPABILITIES.has(file)) continue;
    const module = (await import(pathToFileURL(join(HERE, file)).href)) as { capability?: Capability };
    const id = basename(file, '.ts');
    if (!module.capability || module.capability.id !== id) {
      throw new Error(`infra/capabilities/${file} must export \`capability\` with id "${id}".`);
    }
    registry.set(id as CapabilityId, module.capability);
  }
  return registry;
}

/** The capabilities a function uses, or a clear error naming the one that has no module. */
export function capabilitiesOf(registry: CapabilityRegistry, definition: FunctionDefinition): Capability[] {
  return (definition.uses ?? []).map((id) => {
    const capability = registry.get(id);
    if (!capability) {
      throw new Error(`${definition.id} uses "${id}", but there is no infra/capabilities/${id}.ts.`);
    }
    return capability;
  });
}
