import type { CloudWatchLogsEvent } from 'aws-lambda';

/**
 * How the local SMS service's delivery-status records reach the function the `sms-delivery-logs` capability
 * triggers: in AWS, SNS writes them to CloudWatch Logs and a subscription filter invokes the function; on a
 * laptop the `sms` stand-in hands each record, in the subscription's own event shape, to this channel, and
 * the `sms-delivery-logs` stand-in's trigger takes it from here. One channel per local stack (by its origin),
 * so two stacks in one process keep their records apart.
 */
export interface DeliveryLogChannel {
  /** Throws when the subscriber throws: the SMS service then retries, as Lambda retries an async invoke. */
  deliver(event: CloudWatchLogsEvent): Promise<void>;
  subscribe(handler: (event: CloudWatchLogsEvent) => Promise<unknown>): void;
  close(): void;
}

const channels = new Map<string, DeliveryLogChannel>();

export function deliveryLogChannel(origin: string): DeliveryLogChannel {
  let channel = channels.get(origin);
  if (channel) return channel;
  let handler: ((event: CloudWatchLogsEvent) => Promise<unknown>) | undefined;
  channel = {
    async deliver(event) {
      // Nobody subscribed (no function uses the delivery logs): the record is dropped, as a log line nobody reads.
      if (handler) await handler(event);
    },
    subscribe(next) {
      if (handler) throw new Error('The SMS delivery logs already have a subscriber.');
      handler = next;
    },
    close() {
      handler = undefined;
      channels.delete(origin);
    },
  };
  channels.set(origin, channel);
  return channel;
}
