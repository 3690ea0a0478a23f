import { randomInt, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import type { CloudWatchLogsDecodedData, CloudWatchLogsEvent } from 'aws-lambda';
import { countSegments } from '../../../layers/universal/sms-segments';
import { renderPhonePage } from './phone-page';

/**
 * A local stand-in for Amazon SNS's SMS, speaking the same API for what the SNS adapter uses, so that the
 * real `SNSClient` + `SnsSmsSender` run against it with only `endpoint` changed:
 *
 * - The AWS Query protocol that `@aws-sdk/client-sns` (3.1169) sends: `POST` form-urlencoded
 *   `Action=...&Version=2010-03-31&...`, XML answers in the `http://sns.amazonaws.com/doc/2010-03-31/`
 *   namespace, errors as `<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/>` with SNS's
 *   HTTP statuses (400 InvalidParameter, 429 Throttled, 500 InternalError, 403 for no credentials).
 *   Signatures are not checked, but an `Authorization` header must be there, as a signed request has one.
 * - `Publish` to a `PhoneNumber` with `Message` and the `AWS.SNS.SMS.SMSType`, `SenderID` and `MaxPrice`
 *   attributes (`MessageAttributes.entry.N.Name` / `.Value.DataType` / `.Value.StringValue`);
 *   `CheckIfPhoneNumberIsOptedOut` and `OptInPhoneNumber` (`phoneNumber`) against its own opt-out list,
 *   as SNS keeps one per account. Like SNS, `Publish` to an opted-out number is accepted and then fails in
 *   the delivery log with "Phone number is opted out". An opt-in is allowed once per number per 30 days.
 * - It "delivers" to a patient's phone page (`GET /local/phone/`, each number's inbox, newest first) and
 *   its JSON (`GET /local/phone/messages`, optionally `?to=+44...`).
 * - After a short delay (100–1000 ms by default, like GOV.UK Notify's provider stub) it hands a
 *   delivery-status record to `onDeliveryLog`, in exactly the shape a CloudWatch Logs subscription gives a
 *   Lambda function: `{ awslogs: { data: base64(gzip(JSON)) } }` from `sns/<region>/<account>/
 *   DirectPublishToPhoneNumber` (or `/Failure`). A callback that throws is retried twice, as Lambda retries
 *   an asynchronous invocation.
 *
 * Numbers in Ofcom's drama range answer as GOV.UK Notify's research-mode numbers do where Notify has one
 * (07700 900001 delivers, 900002 fails permanently, 900003 temporarily), and the rest of 900001–900010 give
 * every other outcome (`LOCAL_SMS_NUMBERS`). Every other number is delivered. Nothing leaves the machine.
 *
 * Like every part of the local stack it logs no number, text or link.
 */

export interface LocalSmsOutcome {
  /** What the phone page's README says the number does. */
  description: string;
  /** `publish-error`: SNS refuses the Publish itself. `no-receipt`: SNS never logs an outcome. */
  result: 'SUCCESS' | 'FAILURE' | 'publish-error' | 'no-receipt';
  providerResponse?: string;
  /** Starts on the service's opt-out list. */
  optedOut?: boolean;
}

export const LOCAL_SMS_NUMBERS: Readonly<Record<string, LocalSmsOutcome>> = {
  '+447700900001': {
    description: 'delivered (as GOV.UK Notify’s 07700 900001)',
    result: 'SUCCESS',
    providerResponse: 'Message has been accepted by phone carrier',
  },
  '+447700900002': {
    description: 'permanent failure: invalid number (as GOV.UK Notify’s 07700 900002)',
    result: 'FAILURE',
    providerResponse: 'Invalid phone number',
  },
  '+447700900003': {
    description: 'temporary failure: phone off or no signal (as GOV.UK Notify’s 07700 900003)',
    result: 'FAILURE',
    providerResponse: 'Phone is currently unreachable/unavailable',
  },
  '+447700900004': {
    description: 'technical failure: the provider refused the message body',
    result: 'FAILURE',
    providerResponse: 'Message body is invalid',
  },
  '+447700900005': {
    description: 'on the opted-out list from the start: Publish is accepted, then fails as opted out',
    result: 'FAILURE',
    providerResponse: 'Phone number is opted out',
    optedOut: true,
  },
  '+447700900006': {
    description: 'permanent failure: the mobile network blocked the message',
    result: 'FAILURE',
    providerResponse: 'Phone carrier has blocked this message',
  },
  '+447700900007': {
    description: 'temporary failure: unknown error reaching the phone',
    result: 'FAILURE',
    providerResponse: 'Unknown error attempting to reach phone',
  },
  '+447700900008': {
    description: 'temporary failure: the mobile network is unreachable',
    result: 'FAILURE',
    providerResponse: 'Phone carrier is currently unreachable/unavailable',
  },
  '+447700900009': {
    description: 'no delivery receipt, ever (becomes "unknown" after 72 hours)',
    result: 'no-receipt',
  },
  '+447700900010': {
    description: 'Publish refused: InvalidParameter, "not valid to publish to"',
    result: 'publish-error',
  },
};

export type DeliveryState = 'pending' | 'delivered' | 'failed' | 'no-receipt' | 'undelivered-log';

export interface PhoneMessage {
  messageId: string;
  /** E.164. The local phone's own number: synthetic patients only. */
  to: string;
  text: string;
  senderId: string | null;
  smsType: 'Transactional' | 'Promotional';
  maxPriceUsd: number | null;
  parts: number;
  publishedAt: string;
  delivery: { state: DeliveryState; providerResponse?: string; at?: string };
}

export interface LocalSmsServiceOptions {
  region?: string;
  accountId?: string;
  /** Receives each delivery-status record. Without one, records are made but handed to nobody. */
  onDeliveryLog?: (event: CloudWatchLogsEvent) => unknown;
  /** Fixed, or a [min, max] range drawn per message. Default [100, 1000]. */
  deliveryDelayMs?: number | readonly [number, number];
  /** Further attempts when `onDeliveryLog` throws. Default 2, as Lambda's asynchronous invocations. */
  deliveryRetries?: number;
  /** Wait before each further attempt. Default 1000 ms. */
  retryDelayMs?: number;
  /** Where the SNS API is served. Default `/`; the local stack mounts it at `/local/sns`. */
  snsPath?: string;
  /** Default 0.04: what the local network charges per part, for MaxPrice to mean something. */
  pricePerPartUsd?: number;
}

export interface LocalSmsService {
  /** Serves a request if it is ours (the SNS path or the phone pages); says whether it was. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  snsPath: string;
  phonePath: string;
  /** Every message published, newest first. */
  messages(): PhoneMessage[];
  /** Puts a number on the opt-out list, as a STOP reply would. */
  optOut(e164: string): void;
  /** The next `count` API requests fail with this SNS error (e.g. Throttled), for retry tests. */
  failNext(code: 'Throttled' | 'InternalError', count?: number): void;
  /** Resolves when every record due so far has been handed over (or given up on). */
  idle(): Promise<void>;
  /** Stops pending deliveries. */
  close(): void;
}

const XMLNS = 'http://sns.amazonaws.com/doc/2010-03-31/';
const VERSION = '2010-03-31';
const PHONE_PATH = '/local/phone';
const MAX_BODY_BYTES = 512 * 1024;
const MAX_MESSAGE_CHARS = 1600;
const OPT_IN_INTERVAL_MS = 30 * 24 * 60 * 60 * 1000;
const MAX_KEPT = 500;
const E164 = /^\+[1-9]\d{6,14}$/u;

const SERVICE_ERRORS = {
  Throttled: { status: 429, type: 'Sender', message: 'Rate exceeded' },
  InternalError: { status: 500, type: 'Receiver', message: 'Internal Error' },
} as const;

class SnsError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly type: 'Sender' | 'Receiver' = 'Sender',
  ) {
    super(message);
  }
}

const invalidParameter = (message: string) => new SnsError(400, 'InvalidParameter', message);

function xmlEscape(text: string): string {
  return text.replace(
    /[<>&'"]/gu,
    (char) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[char] as string,
  );
}

/** `2016-06-28 00:40:34.558`, UTC, as SNS writes it. */
function snsTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

/** CloudWatch Logs event ids are 56-digit decimal strings. */
function logEventId(): string {
  let id = String(randomInt(1, 10));
  while (id.length < 56) id += String(randomInt(0, 10));
  return id;
}

function messageAttributes(form: URLSearchParams): Map<string, { dataType: string; value: string }> {
  const entries = new Map<string, { name?: string; dataType?: string; value?: string }>();
  for (const [key, value] of form) {
    const match = /^MessageAttributes\.entry\.(\d+)\.(Name|Value\.DataType|Value\.StringValue)$/u.exec(key);
    if (!match) continue;
    const entry = entries.get(match[1] as string) ?? {};
    if (match[2] === 'Name') entry.name = value;
    else if (match[2] === 'Value.DataType') entry.dataType = value;
    else entry.value = value;
    entries.set(match[1] as string, entry);
  }
  const attributes = new Map<string, { dataType: string; value: string }>();
  for (const entry of entries.values()) {
    if (!entry.name || !entry.dataType || entry.value === undefined) {
      throw invalidParameter('Invalid parameter: MessageAttributes');
    }
    attributes.set(entry.name, { dataType: entry.dataType, value: entry.value });
  }
  return attributes;
}

export function createLocalSmsService(options: LocalSmsServiceOptions = {}): LocalSmsService {
  const region = options.region ?? 'eu-west-2';
  const accountId = options.accountId ?? '123456789012';
  const snsPath = options.snsPath ?? '/';
  const retries = options.deliveryRetries ?? 2;
  const retryDelayMs = options.retryDelayMs ?? 1000;
  const pricePerPart = options.pricePerPartUsd ?? 0.04;
  const logStream = randomUUID();

  const messages: PhoneMessage[] = [];
  const optedOut = new Set(
    Object.entries(LOCAL_SMS_NUMBERS)
      .filter(([, outcome]) => outcome.optedOut)
      .map(([number]) => number),
  );
  const optedInAt = new Map<string, number>();
  const failures: Array<keyof typeof SERVICE_ERRORS> = [];
  const timers = new Set<NodeJS.Timeout>();
  const inFlight = new Set<Promise<void>>();
  const cancelHooks = new Map<NodeJS.Timeout, () => void>();
  let closed = false;

  function delay(): number {
    const setting = options.deliveryDelayMs ?? [100, 1000];
    if (typeof setting === 'number') return setting;
    const [min, max] = setting;
    return min + Math.floor(Math.random() * (max - min + 1));
  }

  function later(ms: number, run: () => Promise<void>): void {
    let settle: () => void = () => {};
    const done = new Promise<void>((resolve) => {
      settle = resolve;
    });
    inFlight.add(done);
    const timer = setTimeout(() => {
      timers.delete(timer);
      cancelHooks.delete(timer);
      // A record that cannot be made or handed over is dropped, as a lost log line would be; never logged.
      run()
        .catch(() => {})
        .finally(() => {
          inFlight.delete(done);
          settle();
        });
    }, ms);
    timers.add(timer);
    // A cancelled timer must not leave `idle()` waiting.
    cancelHooks.set(timer, () => {
      inFlight.delete(done);
      settle();
    });
  }

  function subscriptionEvent(message: PhoneMessage, status: 'SUCCESS' | 'FAILURE', providerResponse: string) {
    const now = Date.now();
    const dwell = Math.max(0, now - Date.parse(message.publishedAt));
    const delivery =
      status === 'SUCCESS'
        ? {
            phoneCarrier: 'Local Network',
            mnc: 15,
            numberOfMessageParts: message.parts,
            destination: message.to,
            priceInUSD: Number((message.parts * pricePerPart).toFixed(5)),
            smsType: message.smsType,
            mcc: 234,
            providerResponse,
            dwellTimeMs: dwell,
            dwellTimeMsUntilDeviceAck: dwell + 50,
          }
        : {
            mnc: 0,
            numberOfMessageParts: message.parts,
            destination: message.to,
            priceInUSD: Number((message.parts * pricePerPart).toFixed(5)),
            smsType: message.smsType,
            mcc: 0,
            providerResponse,
            dwellTimeMs: dwell,
            dwellTimeMsUntilDeviceAck: dwell + 50,
          };
    const record = {
      notification: {
        messageId: message.messageId,
        timestamp: snsTimestamp(Date.parse(message.publishedAt)),
      },
      delivery,
      status,
    };
    const base = `sns/${region}/${accountId}/DirectPublishToPhoneNumber`;
    const batch: CloudWatchLogsDecodedData = {
      messageType: 'DATA_MESSAGE',
      owner: accountId,
      logGroup: status === 'SUCCESS' ? base : `${base}/Failure`,
      logStream,
      subscriptionFilters: ['clinic-connect-sms-status'],
      logEvents: [{ id: logEventId(), timestamp: now, message: JSON.stringify(record) }],
    };
    return {
      awslogs: { data: gzipSync(JSON.stringify(batch)).toString('base64') },
    } satisfies CloudWatchLogsEvent;
  }

  async function handOver(event: CloudWatchLogsEvent): Promise<void> {
    const callback = options.onDeliveryLog;
    if (!callback) return;
    for (let attempt = 0; ; attempt++) {
      try {
        await callback(event);
        return;
      } catch {
        if (attempt >= retries || closed) {
          process.stderr.write(
            `[local sms] a delivery-status record was not taken after ${attempt + 1} attempts; dropped\n`,
          );
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, retryDelayMs));
      }
    }
  }

  function scheduleDelivery(message: PhoneMessage): void {
    const outcome = LOCAL_SMS_NUMBERS[message.to];
    later(delay(), async () => {
      if (closed) return;
      let status: 'SUCCESS' | 'FAILURE';
      let providerResponse: string;
      if (optedOut.has(message.to)) {
        status = 'FAILURE';
        providerResponse = 'Phone number is opted out';
      } else if (message.maxPriceUsd !== null && message.parts * pricePerPart > message.maxPriceUsd + 1e-9) {
        status = 'FAILURE';
        providerResponse = 'This delivery would exceed max price';
      } else if (outcome?.result === 'no-receipt') {
        message.delivery = { state: 'no-receipt' };
        return;
      } else if (outcome?.result === 'FAILURE') {
        status = 'FAILURE';
        providerResponse = outcome.providerResponse ?? 'Unknown error attempting to reach phone';
      } else {
        status = 'SUCCESS';
        providerResponse = outcome?.providerResponse ?? 'Message has been accepted by phone carrier';
      }
      const at = new Date().toISOString();
      message.delivery = { state: status === 'SUCCESS' ? 'delivered' : 'failed', providerResponse, at };
      await handOver(subscriptionEvent(message, status, providerResponse));
    });
  }

  function publish(form: URLSearchParams): string {
    if (form.has('TopicArn') || form.has('TargetArn')) {
      throw invalidParameter('Invalid parameter: this local SNS publishes to phone numbers only');
    }
    const phoneNumber = form.get('PhoneNumber');
    if (!phoneNumber)
      throw invalidParameter('Invalid parameter: PhoneNumber or TopicArn or TargetArn is required');
    const text = form.get('Message') ?? '';
    if (text === '') throw invalidParameter('Invalid parameter: Empty message');
    // SNS quotes the number in this error, and the adapter must keep it out of logs: so does this one.
    if (!E164.test(phoneNumber) || LOCAL_SMS_NUMBERS[phoneNumber]?.result === 'publish-error') {
      throw invalidParameter(
        `Invalid parameter: PhoneNumber Reason: ${phoneNumber} is not valid to publish to`,
      );
    }
    if (Array.from(text).length > MAX_MESSAGE_CHARS)
      throw invalidParameter('Invalid parameter: Message too long');

    const attributes = messageAttributes(form);
    const smsType = attributes.get('AWS.SNS.SMS.SMSType');
    if (
      smsType &&
      (smsType.dataType !== 'String' || !['Transactional', 'Promotional'].includes(smsType.value))
    ) {
      throw invalidParameter('Invalid parameter: MessageAttributes Reason: AWS.SNS.SMS.SMSType');
    }
    const senderId = attributes.get('AWS.SNS.SMS.SenderID');
    if (
      senderId &&
      (senderId.dataType !== 'String' ||
        !/^(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9_-]{3,11}$/u.test(senderId.value))
    ) {
      throw invalidParameter('Invalid parameter: MessageAttributes Reason: AWS.SNS.SMS.SenderID');
    }
    const maxPrice = attributes.get('AWS.SNS.SMS.MaxPrice');
    if (maxPrice && (maxPrice.dataType !== 'Number' || !/^\d+(\.\d+)?$/u.test(maxPrice.value))) {
      throw invalidParameter('Invalid parameter: MessageAttributes Reason: AWS.SNS.SMS.MaxPrice');
    }

    const message: PhoneMessage = {
      messageId: randomUUID(),
      to: phoneNumber,
      text,
      senderId: senderId?.value ?? null,
      smsType: (smsType?.value as PhoneMessage['smsType'] | undefined) ?? 'Promotional',
      maxPriceUsd: maxPrice ? Number(maxPrice.value) : null,
      parts: countSegments(text).segments,
      publishedAt: new Date().toISOString(),
      delivery: { state: 'pending' },
    };
    messages.unshift(message);
    if (messages.length > MAX_KEPT) messages.length = MAX_KEPT;
    scheduleDelivery(message);
    return `<PublishResult><MessageId>${message.messageId}</MessageId></PublishResult>`;
  }

  function phoneNumberParameter(form: URLSearchParams): string {
    const phoneNumber = form.get('phoneNumber');
    if (!phoneNumber) throw invalidParameter('Invalid parameter: phoneNumber');
    if (!E164.test(phoneNumber)) throw invalidParameter('Invalid parameter: phoneNumber Reason: not E.164');
    return phoneNumber;
  }

  function action(form: URLSearchParams): { name: string; result: string } {
    const name = form.get('Action') ?? '';
    if (form.get('Version') !== VERSION) {
      throw new SnsError(400, 'InvalidParameterValue', `Version must be ${VERSION}`);
    }
    const failure = failures.shift();
    if (failure) {
      const { status, type, message } = SERVICE_ERRORS[failure];
      throw new SnsError(status, failure, message, type);
    }
    switch (name) {
      case 'Publish':
        return { name, result: publish(form) };
      case 'CheckIfPhoneNumberIsOptedOut': {
        const number = phoneNumberParameter(form);
        return {
          name,
          result: `<CheckIfPhoneNumberIsOptedOutResult><isOptedOut>${optedOut.has(number)}</isOptedOut></CheckIfPhoneNumberIsOptedOutResult>`,
        };
      }
      case 'OptInPhoneNumber': {
        const number = phoneNumberParameter(form);
        const last = optedInAt.get(number);
        if (last !== undefined && Date.now() - last < OPT_IN_INTERVAL_MS) {
          // SNS's documented rule; the wording is this stand-in's.
          throw invalidParameter('Invalid parameter: phoneNumber Reason: opted in less than 30 days ago');
        }
        if (optedOut.delete(number)) optedInAt.set(number, Date.now());
        return { name, result: '<OptInPhoneNumberResult/>' };
      }
      default:
        throw new SnsError(
          400,
          'InvalidAction',
          `The action ${name || '(none)'} is not valid for this web service.`,
        );
    }
  }

  async function handleSns(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const reply = (status: number, xml: string) => {
      res.writeHead(status, {
        'Content-Type': 'text/xml',
        'x-amzn-RequestId': requestId,
        'Cache-Control': 'no-store',
      });
      res.end(`<?xml version="1.0"?>\n${xml}`);
    };
    try {
      if (req.method !== 'POST') throw new SnsError(405, 'InvalidAction', 'The SNS API takes POST requests.');
      if (!req.headers.authorization) {
        throw new SnsError(403, 'MissingAuthenticationToken', 'Request is missing Authentication Token');
      }
      const type = req.headers['content-type'] ?? '';
      if (!type.startsWith('application/x-www-form-urlencoded')) {
        // A future SDK could move SNS to the JSON protocol; say so plainly rather than misread it.
        throw new SnsError(
          400,
          'InvalidParameter',
          'This local SNS speaks the AWS Query protocol (form-urlencoded), which @aws-sdk/client-sns sends.',
        );
      }
      const form = new URLSearchParams(await readBody(req));
      const { name, result } = action(form);
      reply(
        200,
        `<${name}Response xmlns="${XMLNS}">${result}<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${name}Response>`,
      );
    } catch (error) {
      if (!(error instanceof SnsError)) throw error;
      reply(
        error.status,
        `<ErrorResponse xmlns="${XMLNS}"><Error><Type>${error.type}</Type><Code>${error.code}</Code><Message>${xmlEscape(error.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
      );
    }
  }

  function handlePhone(
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    query: URLSearchParams,
  ): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === PHONE_PATH) {
      res.writeHead(308, { Location: `${PHONE_PATH}/` }).end();
      return;
    }
    if (path === `${PHONE_PATH}/messages`) {
      const to = query.get('to');
      const list = to ? messages.filter((message) => message.to === to) : messages;
      res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
      res.end(JSON.stringify({ messages: list }));
      return;
    }
    if (path === `${PHONE_PATH}/`) {
      const page = renderPhonePage(messages, LOCAL_SMS_NUMBERS);
      res.writeHead(200, {
        'Content-Type': 'text/html; charset=utf-8',
        'Cache-Control': 'no-store',
        'Content-Security-Policy': `default-src 'none'; style-src ${page.styleHash}; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
        'X-Content-Type-Options': 'nosniff',
        'Referrer-Policy': 'no-referrer',
      });
      res.end(req.method === 'HEAD' ? undefined : page.html);
      return;
    }
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found');
  }

  return {
    snsPath,
    phonePath: `${PHONE_PATH}/`,
    async handle(req, res) {
      const url = new URL(req.url ?? '/', 'http://local');
      if (url.pathname === PHONE_PATH || url.pathname.startsWith(`${PHONE_PATH}/`)) {
        handlePhone(req, res, url.pathname, url.searchParams);
        return true;
      }
      // The SDK posts to the endpoint's path with a trailing slash: `/local/sns/`.
      if (url.pathname === snsPath || url.pathname === `${snsPath.replace(/\/+$/u, '')}/`) {
        if (snsPath === '/' && req.method === 'GET') {
          res.writeHead(302, { Location: `${PHONE_PATH}/` }).end();
          return true;
        }
        await handleSns(req, res);
        return true;
      }
      return false;
    },
    messages: () => messages.map((message) => ({ ...message, delivery: { ...message.delivery } })),
    optOut(e164) {
      if (!E164.test(e164)) throw new TypeError('Not an E.164 number.');
      optedOut.add(e164);
    },
    failNext(code, count = 1) {
      for (let i = 0; i < count; i++) failures.push(code);
    },
    async idle() {
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
    close() {
      closed = true;
      for (const timer of timers) {
        clearTimeout(timer);
        cancelHooks.get(timer)?.();
      }
      timers.clear();
      cancelHooks.clear();
    },
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new SnsError(413, 'RequestEntityTooLarge', 'Request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export interface SmsServer extends LocalSmsService {
  /** `http://host:port`: the SNS endpoint (`snsPath` `/`) and the phone pages' origin. */
  url: string;
  /** `http://host:port/local/phone/`. */
  phoneUrl: string;
  stop(): Promise<void>;
}

/** The service on its own port, for tests and for running it beside anything else. */
export async function startSmsServer(
  options: LocalSmsServiceOptions & { port?: number; host?: string } = {},
): Promise<SmsServer> {
  const service = createLocalSmsService(options);
  const server = createServer((req, res) => {
    service
      .handle(req, res)
      .then((handled) => {
        if (!handled) res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found');
      })
      .catch((error: unknown) => {
        process.stderr.write(
          `[local sms] request failed: ${error instanceof Error ? error.name : typeof error}\n`,
        );
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
        res.end('Internal error');
      });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return Object.assign(service, {
    url,
    phoneUrl: `${url}${PHONE_PATH}/`,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        service.close();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  });
}
