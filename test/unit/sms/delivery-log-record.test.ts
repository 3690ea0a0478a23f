import { inspect } from 'node:util';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DeliveryLogError, parseDeliveryLogEvent } from '../../../layers/sms/delivery-log-record';
import { redactPhoneNumbers, SensitivePhoneNumber } from '../../../layers/sms/sensitive-phone-number';

/**
 * AWS's documented examples, verbatim: the Amazon SNS Developer Guide, "Amazon SNS SMS delivery monitoring
 * with Amazon CloudWatch metrics and logs" (sms_stats_cloudwatch), "Example log for successful SMS
 * delivery" and "Example log for failed SMS delivery". The destination is masked there ("+1XXX5550100").
 */
const AWS_SUCCESS_EXAMPLE = `{
    "notification": {
        "messageId": "34d9b400-c6dd-5444-820d-fbeb0f1f54cf",
        "timestamp": "2016-06-28 00:40:34.558"
    },
    "delivery": {
        "phoneCarrier": "My Phone Carrier",
        "mnc": 270,
        "numberOfMessageParts": 1,
        "destination": "+1XXX5550100",
        "priceInUSD": 0.00645,
        "smsType": "Transactional",
        "mcc": 310,
        "providerResponse": "Message has been accepted by phone carrier",
        "dwellTimeMs": 599,
        "dwellTimeMsUntilDeviceAck": 1344
    },
    "status": "SUCCESS"
}`;

const AWS_FAILURE_EXAMPLE = `{
    "notification": {
        "messageId": "1077257a-92f3-5ca3-bc97-6a915b310625",
        "timestamp": "2016-06-28 00:40:34.559"
    },
    "delivery": {
        "mnc": 0,
        "numberOfMessageParts": 1,
        "destination": "+1XXX5550100",
        "priceInUSD": 0.00645,
        "smsType": "Transactional",
        "mcc": 0,
        "providerResponse": "Unknown error attempting to reach phone",
        "dwellTimeMs": 1420,
        "dwellTimeMsUntilDeviceAck": 1692
    },
    "status": "FAILURE"
}`;

const ACCOUNT = '123456789012';
const SUCCESS_GROUP = `sns/eu-west-2/${ACCOUNT}/DirectPublishToPhoneNumber`;
const FAILURE_GROUP = `${SUCCESS_GROUP}/Failure`;

/** A subscription event as CloudWatch Logs delivers it to Lambda. */
function subscriptionEvent(logGroup: string, messages: string[], messageType = 'DATA_MESSAGE') {
  const batch = {
    messageType,
    owner: ACCOUNT,
    logGroup,
    logStream: '5d3b40ed-11d4-4cf4-9212-907f2af79295',
    subscriptionFilters: ['clinic-connect-sms-status'],
    logEvents: messages.map((message, i) => ({
      id: `3561710304928101806257994961166936581185679623994415513${i}`,
      timestamp: Date.UTC(2016, 5, 28, 0, 40, 36) + i,
      message,
    })),
  };
  return { awslogs: { data: gzipSync(JSON.stringify(batch)).toString('base64') } };
}

describe("AWS's documented records", () => {
  it('reads the success example as delivered', () => {
    const parsed = parseDeliveryLogEvent(subscriptionEvent(SUCCESS_GROUP, [AWS_SUCCESS_EXAMPLE]));
    expect(parsed).toMatchObject({ logGroup: SUCCESS_GROUP, unreadable: 0 });
    expect(parsed.receipts).toHaveLength(1);
    const [{ receipt, destination }] = parsed.receipts as [(typeof parsed.receipts)[number]];
    expect(receipt).toEqual({
      providerMessageId: '34d9b400-c6dd-5444-820d-fbeb0f1f54cf',
      status: 'SUCCESS',
      event: { state: 'delivered', at: '2016-06-28T00:40:36.000Z' },
      publishedAt: '2016-06-28T00:40:34.558Z',
      providerResponse: 'Message has been accepted by phone carrier',
      smsType: 'Transactional',
      priceUsd: 0.00645,
      parts: 1,
      dwellTimeMs: 599,
      dwellTimeMsUntilDeviceAck: 1344,
      logEventId: '35617103049281018062579949611669365811856796239944155130',
    });
    expect(destination.reveal()).toBe('+1XXX5550100');
    expect(destination.isE164).toBe(false);
  });

  it('reads the failure example as a temporary failure ("could not be reached")', () => {
    const parsed = parseDeliveryLogEvent(subscriptionEvent(FAILURE_GROUP, [AWS_FAILURE_EXAMPLE]));
    expect(parsed.receipts[0]?.receipt).toMatchObject({
      providerMessageId: '1077257a-92f3-5ca3-bc97-6a915b310625',
      status: 'FAILURE',
      event: { state: 'failed', kind: 'temporary', reason: 'unreachable', at: '2016-06-28T00:40:36.000Z' },
      providerResponse: 'Unknown error attempting to reach phone',
      publishedAt: '2016-06-28T00:40:34.559Z',
    });
  });

  it('reads every record of a batch, in order', () => {
    const parsed = parseDeliveryLogEvent(
      subscriptionEvent(SUCCESS_GROUP, [AWS_SUCCESS_EXAMPLE, AWS_FAILURE_EXAMPLE]),
    );
    expect(parsed.receipts.map(({ receipt }) => receipt.status)).toEqual(['SUCCESS', 'FAILURE']);
  });
});

describe('keeping the number out of what is kept and logged', () => {
  const record = (destination: string, providerResponse: string) =>
    JSON.stringify({
      notification: { messageId: 'm-1', timestamp: '2026-12-01 09:00:00.000' },
      delivery: {
        destination,
        providerResponse,
        smsType: 'Transactional',
        phoneCarrier: 'Carrier',
        mcc: 234,
        mnc: 15,
      },
      status: 'FAILURE',
    });

  it('returns the destination apart, wrapped, and redacts numbers SNS quotes in its response', () => {
    const parsed = parseDeliveryLogEvent(
      subscriptionEvent(FAILURE_GROUP, [record('+447700900123', '+447700900123 is opted out')]),
    );
    const entry = parsed.receipts[0];
    expect(entry?.destination.reveal()).toBe('+447700900123');
    expect(entry?.destination.isE164).toBe(true);
    expect(entry?.receipt.providerResponse).toBe('[phone number] is opted out');
    expect(entry?.receipt.event).toMatchObject({ reason: 'opted-out', kind: 'permanent' });

    const everyWayOfPrinting = [
      JSON.stringify(parsed),
      String(entry?.destination),
      `${entry?.destination}`,
      inspect(parsed, { depth: 10 }),
    ];
    for (const printed of everyWayOfPrinting) {
      expect(printed).not.toContain('7700900123');
      expect(printed).not.toContain('Carrier');
    }
    expect(JSON.stringify(parsed)).toContain('[phone number]');
  });

  it('redacts numbers written with spaces or dashes too', () => {
    expect(redactPhoneNumbers('Invalid parameter: PhoneNumber Reason: +44 7700 900123 is not valid')).toBe(
      'Invalid parameter: PhoneNumber Reason: [phone number] is not valid',
    );
    expect(redactPhoneNumbers('Phone has blocked SMS')).toBe('Phone has blocked SMS');
    expect(new SensitivePhoneNumber('07700-900-123').toJSON()).toBe('[phone number]');
  });
});

describe('what is not an SNS SMS delivery record', () => {
  it("answers CloudWatch's reachability check with nothing to do", () => {
    expect(
      parseDeliveryLogEvent(subscriptionEvent('testLogGroup', ['CWL CONTROL MESSAGE'], 'CONTROL_MESSAGE')),
    ).toEqual({
      logGroup: 'testLogGroup',
      receipts: [],
      unreadable: 0,
    });
  });

  it('counts, and never echoes, log events it cannot read, and still reads the others', () => {
    const parsed = parseDeliveryLogEvent(
      subscriptionEvent(SUCCESS_GROUP, [
        'not json +447700900123',
        '{"notification":{}}',
        JSON.stringify({ ...JSON.parse(AWS_SUCCESS_EXAMPLE), status: 'MAYBE' }),
        JSON.stringify({
          ...JSON.parse(AWS_SUCCESS_EXAMPLE),
          notification: { messageId: 'x', timestamp: '2016-13-45 99:99:99.000' },
        }),
        AWS_SUCCESS_EXAMPLE,
      ]),
    );
    expect(parsed.unreadable).toBe(4);
    expect(parsed.receipts).toHaveLength(1);
    expect(JSON.stringify(parsed)).not.toContain('7700900123');
  });

  it('refuses envelopes that are not subscription events, without quoting them', () => {
    const bad = [
      {},
      { awslogs: {} },
      { awslogs: { data: 'not base64 gzip +447700900123' } },
      { awslogs: { data: gzipSync('{"nope":true}').toString('base64') } },
    ];
    for (const event of bad) {
      expect(() => parseDeliveryLogEvent(event)).toThrow(DeliveryLogError);
      try {
        parseDeliveryLogEvent(event);
      } catch (error) {
        expect((error as Error).message).not.toContain('7700');
      }
    }
  });

  it('refuses a log group that is not SNS SMS delivery status', () => {
    expect(() =>
      parseDeliveryLogEvent(subscriptionEvent('/aws/lambda/something', [AWS_SUCCESS_EXAMPLE])),
    ).toThrow(/not an SNS SMS delivery-status log group/);
    expect(() =>
      parseDeliveryLogEvent(
        subscriptionEvent(`sns/eu-west-2/${ACCOUNT}/DirectPublishToPhoneNumberX`, [AWS_SUCCESS_EXAMPLE]),
      ),
    ).toThrow(DeliveryLogError);
  });
});
