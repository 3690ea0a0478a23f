/**
 * `uses: ['invite-queue']`: the function puts invite SMS on the send queue (SQS in AWS, an in-process queue
 * with the same API and event shapes locally); `trigger: { capability: 'invite-queue' }`: the function is the
 * queue's consumer (partial batch failures, backoff by visibility timeout, a dead-letter queue after
 * `maxReceives`). infra/capabilities/invite-queue.ts makes both.
 */
declare module '../capabilities' {
  interface Capabilities {
    'invite-queue': true;
  }
}

export {};
