import { type Me, PROBLEM } from '../shared/me';
import type { ApiError } from './api/client';
import type { MeState, RegisteredPractice } from './me';

/**
 * What a signed-in person may see, from `/api/me`: the console itself only once they belong to a practice
 * that has approved them and they have accepted the current acceptable-use policy.
 */
export type Access =
  | { kind: 'loading' }
  | { kind: 'problem'; error: ApiError }
  | { kind: 'join' }
  | { kind: 'pending'; practice?: RegisteredPractice }
  | { kind: 'rejected' }
  | { kind: 'suspended' }
  | { kind: 'acceptable-use'; me: Me }
  | { kind: 'ready'; me: Me };

export function accessFrom(state: MeState, registration: RegisteredPractice | undefined): Access {
  switch (state.status) {
    case 'idle':
    case 'loading':
      return { kind: 'loading' };
    case 'loaded':
      return state.me.acceptableUse.accepted
        ? { kind: 'ready', me: state.me }
        : { kind: 'acceptable-use', me: state.me };
    case 'error':
      break;
  }
  const { error } = state;
  switch (error.type) {
    case PROBLEM.noPractice:
      // Just registered, but the tokens do not say so yet (the provider adds the practice on approval).
      return registration ? { kind: 'pending', practice: registration } : { kind: 'join' };
    case PROBLEM.pendingApproval:
      return registration ? { kind: 'pending', practice: registration } : { kind: 'pending' };
    case PROBLEM.rejected:
      return { kind: 'rejected' };
    case PROBLEM.suspended:
      return { kind: 'suspended' };
    default:
      return { kind: 'problem', error };
  }
}
