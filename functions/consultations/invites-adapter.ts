import type { PracticeCrypto } from '../../layers/crypto/function-crypto';
import type { InviteLinkKey } from '../../layers/crypto/invite-link-key';
import { logger } from '../../layers/observability/powertools';
import type { StoreAccess } from '../../layers/practice/practice-stores';
import type { StoredInvite } from '../../layers/records/invite-records';
import { TOKEN_PATTERN, verifyInviteCode } from '../../layers/sms/invite-secrets';
import { effectiveState } from '../invites/invite-view';
import type { JoinableInvite, JoinableInvites } from './joinable-invites';

/**
 * The invite port over issue 10's invite store: the token's keyed hash (the invite link key) finds the
 * PLATFORM pointer, which names the practice and the invite; the invite is then read through that practice's
 * stores. The code is checked against the stored keyed hash with the practice's code key (derived from its
 * data key); the journey goes onto the invite's own timeline, so the clinician sees one timeline.
 */
interface Found extends JoinableInvite {
  stored: StoredInvite;
}

function joinable(practiceId: string, stored: StoredInvite, now: Date): Found {
  return {
    practiceId,
    inviteId: stored.inviteId,
    usable: effectiveState(stored, now) === 'open' && Boolean(stored.tokenHash && stored.codeHash),
    createdBy: {
      sub: stored.createdBy.sub,
      name: stored.createdBy.name,
      ...(stored.createdBy.role ? { role: stored.createdBy.role } : {}),
    },
    stored,
  };
}

export function joinableInvitesFrom(
  access: StoreAccess,
  options: { crypto?: PracticeCrypto; linkKey?: InviteLinkKey; now?: () => Date } = {},
): JoinableInvites {
  const now = () => options.now?.() ?? new Date();
  const storedOf = (invite: JoinableInvite) => (invite as Found).stored;
  const crypto = () => {
    if (!options.crypto) throw new TypeError('this function has no practice keys');
    return options.crypto;
  };
  return {
    async findByToken(token) {
      if (!options.linkKey) throw new TypeError('this function has no invite link key');
      if (!TOKEN_PATTERN.test(token)) return undefined;
      const hash = await options.linkKey.tokenHash(token);
      const pointer = await access.invitePointers().getToken(hash);
      if (!pointer) return undefined;
      const stored = await access.practice(pointer.practiceId).invites.get(pointer.inviteId);
      // A re-sent invite has a new token: the old pointer must not find the new code.
      if (!stored || stored.tokenHash !== hash) return undefined;
      return joinable(pointer.practiceId, stored, now());
    },

    async get(practiceId, inviteId) {
      const stored = await access.practice(practiceId).invites.get(inviteId);
      return stored ? joinable(practiceId, stored, now()) : undefined;
    },

    async verifyCode(invite, code) {
      const stored = storedOf(invite);
      if (!stored.codeHash) return false;
      const key = (await crypto().keys.dataKey(invite.practiceId)).inviteCodeKey();
      try {
        return verifyInviteCode(code, stored.codeHash, stored.inviteId, key);
      } finally {
        key.fill(0);
      }
    },

    async patientName(invite) {
      const stores = access.practice(invite.practiceId);
      return (await stores.invites.decryptPatient(storedOf(invite))).name;
    },

    async addToTimeline(invite, entries) {
      await access
        .practice(invite.practiceId)
        .invites.mutate(invite.inviteId, () => ({ change: { timeline: entries }, result: undefined }));
    },

    async recordOptOut(invite, at) {
      const stores = access.practice(invite.practiceId);
      const stored = storedOf(invite);
      const mobile = await stores.invites.decryptMobile(stored);
      const recorded = await stores.smsOptOuts.record({
        mobileIndex: stored.mobileIndex,
        mobile,
        optedOutAt: at.toISOString(),
        source: 'patient',
      });
      if (recorded) {
        await stores.audit.record({
          type: 'sms.opted_out',
          actor: { sub: 'patient' },
          details: { inviteId: stored.inviteId, mobileIndex: stored.mobileIndex, source: 'patient' },
        });
        logger.info('patient opted out of texts');
      }
    },
  };
}
