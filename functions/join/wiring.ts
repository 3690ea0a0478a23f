import { loadConfig } from '../../layers/config/load-config';
import { CryptoConfig, functionCrypto } from '../../layers/crypto/function-crypto';
import { InviteLinkKeyConfig, inviteLinkKeyFromConfig } from '../../layers/crypto/invite-link-key';
import { functionConfig } from '../../layers/functions/function-config';
import type { RouteDefinition } from '../../layers/http/route';
import { practiceStoresFrom } from '../../layers/practice/practice-stores';
import { consultationDeps } from '../consultations/wiring';
import type { JoinDeps } from './join';

/**
 * Every join route's cold start: its own settings, the practice keys (the token's and the code's keyed
 * hashes, the join credentials' encryption), the invite port, the stores. Called at module scope.
 */
export function joinDepsFor(route: RouteDefinition): JoinDeps {
  const config = loadConfig([functionConfig(route), CryptoConfig, InviteLinkKeyConfig]);
  const crypto = functionCrypto();
  const access = practiceStoresFrom(config, { crypto: () => crypto.fields });
  return {
    ...consultationDeps(config, access, { crypto, linkKey: inviteLinkKeyFromConfig(config) }),
    blindIndex: crypto.blindIndex,
  };
}
