import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { loadConfig } from '../../layers/config/load-config';
import { CryptoConfig, functionCrypto } from '../../layers/crypto/function-crypto';
import { functionConfig } from '../../layers/functions/function-config';
import { logger, metrics } from '../../layers/observability/powertools';
import { practiceStoresFrom } from '../../layers/practice/practice-stores';
import { consumeBatch, createSqsClient, QueueConsumerConfig } from '../../layers/queue/invite-queue';
import { SmsConfig, smsSenderFromConfig } from '../../layers/sms/sms-config';
import { sendInvitesFunction } from './event-functions';
import { InviteSenderSettings } from './invite-settings';
import { type SenderDeps, sendOne } from './sender';

const config = loadConfig([
  functionConfig(sendInvitesFunction),
  InviteSenderSettings,
  CryptoConfig,
  QueueConsumerConfig,
  SmsConfig,
]);
const crypto = functionCrypto();
const access = practiceStoresFrom(config, { crypto: () => crypto.fields });
const sqs = createSqsClient(config);
const deps: SenderDeps = {
  access,
  pointers: access.invitePointers(),
  fields: crypto.fields,
  sms: smsSenderFromConfig(config),
  settings: {
    ...(config.SMS_SENDER_ID ? { senderId: config.SMS_SENDER_ID } : {}),
    maxPriceUsd: config.SMS_MAX_PRICE_USD,
    retryBaseSeconds: config.INVITE_SEND_RETRY_BASE_SECONDS,
    maxReceives: config.INVITE_QUEUE_MAX_RECEIVES,
    retentionDays: config.INVITE_RETENTION_DAYS,
  },
};

async function sendInvites(event: SQSEvent): Promise<SQSBatchResponse> {
  return consumeBatch(event, {
    handle: (record) => sendOne(deps, record),
    client: sqs,
    queueUrl: config.INVITE_QUEUE_URL,
    // The error's class only: a message could quote what it choked on.
    onError: (record, error) =>
      logger.error('invite send crashed', {
        messageId: record.messageId,
        errorName: error instanceof Error ? error.name : typeof error,
        stack: error instanceof Error ? error.stack?.split('\n').slice(1, 6) : undefined,
      }),
  });
}

export const handler = middy(sendInvites)
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics));
