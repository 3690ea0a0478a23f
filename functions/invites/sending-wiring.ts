import { loadConfig } from '../../layers/config/load-config';
import { WordListScanner } from '../../layers/content-scan/word-list-scanner';
import { CryptoConfig, functionCrypto } from '../../layers/crypto/function-crypto';
import { InviteLinkKeyConfig, inviteLinkKeyFromConfig } from '../../layers/crypto/invite-link-key';
import { functionConfig } from '../../layers/functions/function-config';
import type { RouteDefinition } from '../../layers/http/route';
import { practiceStoresFrom } from '../../layers/practice/practice-stores';
import { createSqsClient, QueueConfig, SqsInviteQueue } from '../../layers/queue/invite-queue';
import { InviteLinkSettings } from './invite-settings';
import type { SendingDeps } from './invites';
import { inviteDeps } from './wiring';

/**
 * The wiring of the three routes that queue texts (create, re-send, release): their whole configuration
 * parsed at cold start, and their adapters, which live as long as the container.
 */
export function sendingFunction(route: RouteDefinition) {
  const config = loadConfig([
    functionConfig(route),
    InviteLinkSettings,
    CryptoConfig,
    QueueConfig,
    InviteLinkKeyConfig,
  ]);
  const crypto = functionCrypto();
  const stores = practiceStoresFrom(config, { crypto: () => crypto.fields });
  const deps: SendingDeps = {
    ...inviteDeps(config, crypto),
    keys: crypto.keys,
    linkKey: inviteLinkKeyFromConfig(config),
    queue: new SqsInviteQueue(createSqsClient(config), config.INVITE_QUEUE_URL),
    scanner: new WordListScanner(),
    pointers: stores.invitePointers(),
    link: { origin: config.CONSOLE_ORIGIN, expiryHours: config.INVITE_EXPIRY_HOURS },
  };
  return { config, stores, deps };
}
