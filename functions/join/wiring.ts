import { loadConfig } from '../../layers/config/load-config';
import { CryptoConfig, functionCrypto } from '../../layers/crypto/function-crypto';
import { functionConfig } from '../../layers/functions/function-config';
import type { RouteDefinition } from '../../layers/http/route';
import { practiceStoresFrom } from '../../layers/practice/practice-stores';
import { JoinableInvitesConfig } from '../consultations/invites-adapter';
import { consultationDeps } from '../consultations/wiring';
import type { JoinDeps } from './join';

/**
 * Every join route's cold start: its own settings, the practice keys (the token's and the code's keyed
 * hashes, the join credentials' encryption), the invite port, the stores. Called at module scope.
 */
export function joinDepsFor(route: RouteDefinition): JoinDeps {
  const config = loadConfig([functionConfig(route), CryptoConfig, JoinableInvitesConfig]);
  const crypto = functionCrypto();
  const access = practiceStoresFrom(config, { crypto: () => crypto.fields });
  return { ...consultationDeps(config, access, { crypto }), blindIndex: crypto.blindIndex };
}
