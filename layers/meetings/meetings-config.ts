import * as z from '../validation/z';
import { ChimeMeetings, chimeMeetingsClient } from './chime-meetings';
import { LocalMeetingsClient } from './local-meetings-client';
import type { MeetingProvider } from './meeting-provider';
import { CONTROL_REGIONS } from './regions';

/**
 * `uses: ['meetings']`: the Chime control region in AWS (where meetings are created and their events come
 * from), or the local meeting service's URL on the local stage, never both, never neither.
 */
export const MeetingsConfig = z
  .object({
    STAGE: z.string(),
    CHIME_CONTROL_REGION: z.optional(z.enum(CONTROL_REGIONS)),
    MEETINGS_LOCAL_URL: z.optional(z.url()),
  })
  .check(
    z.refine((config) => Boolean(config.CHIME_CONTROL_REGION) !== Boolean(config.MEETINGS_LOCAL_URL), {
      message: 'set exactly one of CHIME_CONTROL_REGION (AWS) and MEETINGS_LOCAL_URL (the local stack)',
      path: ['CHIME_CONTROL_REGION'],
    }),
    z.refine((config) => !config.MEETINGS_LOCAL_URL || config.STAGE === 'local', {
      message: 'is for the local stack only (STAGE=local)',
      path: ['MEETINGS_LOCAL_URL'],
    }),
  );
export type MeetingsConfig = z.infer<typeof MeetingsConfig>;

export function meetingsFromConfig(config: MeetingsConfig): MeetingProvider {
  if (config.MEETINGS_LOCAL_URL) return new LocalMeetingsClient(config.MEETINGS_LOCAL_URL);
  return new ChimeMeetings({
    client: chimeMeetingsClient(config.CHIME_CONTROL_REGION as (typeof CONTROL_REGIONS)[number]),
  });
}
