import { wholeNumberSetting } from '../../layers/config/base-config';
import { SmsNumberSettings } from '../../layers/sms/sms-number-settings';
import * as z from '../../layers/validation/z';

/**
 * The invites area's settings. A stage sets them as CDK context (`-c inviteExpiryHours=12`); `npm start`
 * reads the variables. Bounds are checked at synth and again at cold start.
 */
export const InviteSettings = z.extend(SmsNumberSettings, {
  // GOV.UK Notify's guidance: a few texts a day to one person is already a lot. Three covers a re-send or two.
  INVITE_LIMIT_PER_NUMBER_PER_DAY: wholeNumberSetting({ min: 1, max: 50, fallback: 3 }),
  INVITE_LIMIT_PER_USER_PER_HOUR: wholeNumberSetting({ min: 1, max: 10_000, fallback: 60 }),
  INVITE_LIMIT_PER_PRACTICE_PER_DAY: wholeNumberSetting({ min: 1, max: 1_000_000, fallback: 1_000 }),
  /**
   * How long an invite's record (and its timeline) is kept. At least 4 days: a receipt may take 72 hours.
   * The practice's own record of what was sent belongs in the patient's GP record; this is working data
   * (GOV.UK Notify keeps messages 7 days by default).
   */
  INVITE_RETENTION_DAYS: wholeNumberSetting({ min: 4, max: 90, fallback: 7 }),
});
export type InviteSettings = z.infer<typeof InviteSettings>;

/** `https://host` (http only for a loopback host, the local stack), no path: where `/j/<token>` links go. */
export const OriginSetting = z.string().check(
  z.refine((value) => {
    try {
      const url = new URL(value);
      const loopback =
        url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]';
      return (
        (url.protocol === 'https:' || (url.protocol === 'http:' && loopback)) &&
        url.origin === value.replace(/\/$/u, '') &&
        !url.username
      );
    } catch {
      return false;
    }
  }, 'must be the console’s origin, https://host (http only for 127.0.0.1)'),
);

/** For the functions that make links: where they point and how long they work. */
export const InviteLinkSettings = z.extend(InviteSettings, {
  /** The console's origin: the web stack's domain (or CloudFront's) in AWS, the local origin locally. */
  CONSOLE_ORIGIN: OriginSetting,
  INVITE_EXPIRY_HOURS: wholeNumberSetting({ min: 1, max: 72, fallback: 24 }),
});
export type InviteLinkSettings = z.infer<typeof InviteLinkSettings>;

/** The sender's own. */
export const InviteSenderSettings = z.object({
  /** The first retry of a throttled or failed send waits about this long, doubling up to 15 minutes. */
  INVITE_SEND_RETRY_BASE_SECONDS: wholeNumberSetting({ min: 0, max: 900, fallback: 30 }),
  INVITE_RETENTION_DAYS: InviteSettings.shape.INVITE_RETENTION_DAYS,
});
export type InviteSenderSettings = z.infer<typeof InviteSenderSettings>;
