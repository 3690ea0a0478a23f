import { defineEventFunction } from '../../layers/functions/event-function';
import { InviteSenderSettings } from './invite-settings';

/** Sends each queued invite SMS (functions/invites/sender.ts). */
export const sendInvitesFunction = defineEventFunction({
  id: 'sendInvites',
  area: 'invites',
  summary: 'Sends queued invitation texts (SNS Publish), once each',
  trigger: {
    capability: 'invite-queue',
    // Up to 10 texts per invocation, sent as soon as they are queued (no batching window: a clinician is
    // waiting); at most 5 invocations at once, which also bounds our rate towards SNS.
    options: { batchSize: 10, maxConcurrency: 5 },
  },
  uses: ['sms', 'practice-keys'],
  settings: InviteSenderSettings,
  alarms: [
    {
      metric: 'InviteSendGaveUp',
      threshold: 1,
      periodMinutes: 15,
      description:
        'An invitation text could not be sent after every retry (SNS throttling or failing): see the ' +
        'invite dead-letter queue, and the SNS SMS console for spend limit or sender ID problems.',
    },
  ],
  lambda: { timeoutSeconds: 30 },
  tables: {
    directory: { access: 'readwrite', scope: 'practice' },
    records: { access: 'readwrite', scope: 'any' },
    audit: { access: 'append', scope: 'practice' },
  },
});

/** SNS's SMS delivery-status records → each invite's delivery status (functions/invites/delivery.ts). */
export const recordSmsDeliveryFunction = defineEventFunction({
  id: 'recordSmsDelivery',
  area: 'invites',
  summary: 'Applies SNS SMS delivery receipts to invitations',
  trigger: { capability: 'sms-delivery-logs' },
  alarms: [
    {
      metric: 'SmsDeliveryLogUnreadable',
      threshold: 1,
      periodMinutes: 60,
      description: 'SMS delivery-status records that could not be read: has SNS changed its record format?',
    },
  ],
  lambda: { timeoutSeconds: 30 },
  tables: {
    records: { access: 'readwrite', scope: 'any' },
    audit: { access: 'append', scope: 'practice' },
  },
});

/** Expires links and gives up on receipts after 72 hours (functions/invites/sweep.ts). */
export const sweepInvitesFunction = defineEventFunction({
  id: 'sweepInvites',
  area: 'invites',
  summary: 'Expires invitation links and marks texts without a receipt after 72 hours as unknown',
  trigger: { capability: 'schedule', options: { everyMinutes: 5 } },
  lambda: { timeoutSeconds: 60 },
  tables: {
    records: { access: 'readwrite', scope: 'any' },
    audit: { access: 'append', scope: 'practice' },
  },
});

export const inviteEventFunctions = [sendInvitesFunction, recordSmsDeliveryFunction, sweepInvitesFunction];
