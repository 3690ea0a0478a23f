import { gunzipSync } from 'node:zlib';
import * as z from '../validation/z';
import { type DeliveryEvent, deliveryEventFromSns } from './delivery-status';
import { redactPhoneNumbers, SensitivePhoneNumber } from './sensitive-phone-number';

/**
 * SNS's SMS delivery-status records, as a CloudWatch Logs subscription delivers them to a Lambda function:
 * `{ awslogs: { data: base64(gzip(JSON)) } }`, the JSON being `{ messageType, owner, logGroup, logStream,
 * subscriptionFilters, logEvents: [{ id, timestamp, message }] }` and each `message` one SNS record:
 *
 *     { "notification": { "messageId", "timestamp": "2016-06-28 00:40:34.558" },
 *       "delivery": { "destination", "smsType", "providerResponse", "priceInUSD", "numberOfMessageParts",
 *                     "dwellTimeMs", "dwellTimeMsUntilDeviceAck", "mcc", "mnc", "phoneCarrier" },
 *       "status": "SUCCESS" | "FAILURE" }
 *
 * from the log groups `sns/<region>/<account>/DirectPublishToPhoneNumber` and `.../Failure`.
 *
 * The destination number is handed back apart from the receipt, wrapped so that it cannot be logged or
 * serialised by accident; the receipt itself carries no number (provider responses that quote one, such as
 * "+15555555555 is opted out", are redacted). Carrier, MCC and MNC are dropped: nothing here needs them, and
 * with the number they say more about the patient than a receipt should.
 */

export const SNS_SMS_LOG_GROUP =
  /^sns\/[a-z]{2}(-[a-z]+)+-\d\/\d{12}\/DirectPublishToPhoneNumber(\/Failure)?$/u;

export interface SmsDeliveryReceipt {
  /** SNS's message id: the `MessageId` that `Publish` returned. */
  providerMessageId: string;
  status: 'SUCCESS' | 'FAILURE';
  /** Our status event, dated when SNS logged the outcome. */
  event: DeliveryEvent;
  /** When SNS accepted the Publish (ISO 8601). */
  publishedAt: string;
  /** As SNS wrote it, with any phone number replaced by `[phone number]`. */
  providerResponse: string;
  smsType?: string;
  priceUsd?: number;
  parts?: number;
  dwellTimeMs?: number;
  dwellTimeMsUntilDeviceAck?: number;
  /** CloudWatch's id of the log event: the same on redelivery, so usable for de-duplication. */
  logEventId: string;
}

export interface ParsedDeliveryLogs {
  logGroup: string;
  /**
   * One entry per readable record. `destination` is the patient's number: use it (e.g. for an opt-out's
   * blind index), never log or store it.
   */
  receipts: Array<{ receipt: SmsDeliveryReceipt; destination: SensitivePhoneNumber }>;
  /** Log events that were not SNS SMS delivery records. Counted only: their content is never echoed. */
  unreadable: number;
}

/** The envelope itself is wrong (not base64 gzip JSON, or from a log group that is not SNS SMS's). */
export class DeliveryLogError extends Error {
  override name = 'DeliveryLogError';
}

const MAX_DECODED_BYTES = 8 * 1024 * 1024;

const Envelope = z.object({ awslogs: z.object({ data: z.string() }) });

const Batch = z.looseObject({
  messageType: z.string(),
  owner: z.optional(z.string()),
  logGroup: z.string(),
  logStream: z.optional(z.string()),
  logEvents: z.array(z.looseObject({ id: z.string(), timestamp: z.number(), message: z.string() })),
});

const finite = z.optional(z.number().check(z.refine(Number.isFinite)));

const SnsRecord = z.looseObject({
  notification: z.looseObject({
    messageId: z.string().check(z.minLength(1), z.maxLength(100)),
    timestamp: z.string().check(z.regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,3})?$/u)),
  }),
  delivery: z.looseObject({
    destination: z.string().check(z.maxLength(32)),
    providerResponse: z.optional(z.string().check(z.maxLength(1000))),
    smsType: z.optional(z.string().check(z.maxLength(32))),
    priceInUSD: finite,
    numberOfMessageParts: finite,
    dwellTimeMs: finite,
    dwellTimeMsUntilDeviceAck: finite,
  }),
  status: z.enum(['SUCCESS', 'FAILURE']),
});

/** SNS writes UTC without a zone: `2016-06-28 00:40:34.558`. */
function snsTimestamp(text: string): string {
  const date = new Date(`${text.replace(' ', 'T')}Z`);
  if (Number.isNaN(date.getTime())) throw new DeliveryLogError('Not an SNS timestamp.');
  return date.toISOString();
}

function decode(event: unknown): z.infer<typeof Batch> {
  const envelope = Envelope.safeParse(event);
  if (!envelope.success) throw new DeliveryLogError('Not a CloudWatch Logs subscription event.');
  let json: unknown;
  try {
    const zipped = Buffer.from(envelope.data.awslogs.data, 'base64');
    json = JSON.parse(gunzipSync(zipped, { maxOutputLength: MAX_DECODED_BYTES }).toString('utf8'));
  } catch {
    throw new DeliveryLogError('The subscription data is not base64-encoded gzipped JSON.');
  }
  const batch = Batch.safeParse(json);
  if (!batch.success) throw new DeliveryLogError('The subscription data is not a log-events batch.');
  return batch.data;
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** Parses one subscription event. Throws `DeliveryLogError` only when the envelope is wrong. */
export function parseDeliveryLogEvent(event: unknown): ParsedDeliveryLogs {
  const batch = decode(event);
  // CloudWatch Logs sends a CONTROL_MESSAGE to check that the destination is reachable: nothing to read.
  if (batch.messageType === 'CONTROL_MESSAGE')
    return { logGroup: batch.logGroup, receipts: [], unreadable: 0 };
  if (!SNS_SMS_LOG_GROUP.test(batch.logGroup)) {
    throw new DeliveryLogError('The log group is not an SNS SMS delivery-status log group.');
  }

  const receipts: ParsedDeliveryLogs['receipts'] = [];
  let unreadable = 0;
  for (const logEvent of batch.logEvents) {
    let parsed: z.infer<typeof SnsRecord>;
    let publishedAt: string;
    try {
      const record = SnsRecord.safeParse(JSON.parse(logEvent.message));
      if (!record.success) {
        unreadable++;
        continue;
      }
      parsed = record.data;
      publishedAt = snsTimestamp(parsed.notification.timestamp);
    } catch {
      unreadable++;
      continue;
    }
    const at = new Date(logEvent.timestamp);
    if (Number.isNaN(at.getTime())) {
      unreadable++;
      continue;
    }
    const { notification, delivery, status } = parsed;
    const providerResponse = redactPhoneNumbers(delivery.providerResponse ?? '');
    receipts.push({
      receipt: {
        providerMessageId: notification.messageId,
        status,
        event: deliveryEventFromSns(status, providerResponse, at.toISOString()),
        publishedAt,
        providerResponse,
        ...optional('smsType', delivery.smsType),
        ...optional('priceUsd', delivery.priceInUSD),
        ...optional('parts', delivery.numberOfMessageParts),
        ...optional('dwellTimeMs', delivery.dwellTimeMs),
        ...optional('dwellTimeMsUntilDeviceAck', delivery.dwellTimeMsUntilDeviceAck),
        logEventId: logEvent.id,
      },
      destination: new SensitivePhoneNumber(delivery.destination),
    });
  }
  return { logGroup: batch.logGroup, receipts, unreadable };
}
