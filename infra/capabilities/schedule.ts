import { randomUUID } from 'node:crypto';
import { Duration } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { EventFunctionDefinition } from '../../layers/functions/event-function';
import { acknowledge } from '../constructs/acknowledge';
import { defineCapability } from './capability';

function everyMinutes(user: EventFunctionDefinition, option = 'everyMinutes'): number {
  const minutes = user.trigger.options?.[option];
  if (typeof minutes !== 'number' || !Number.isInteger(minutes) || minutes < 1 || minutes > 1440) {
    throw new Error(`${user.id}: a schedule needs options.${option}, a whole number of minutes (1 to 1440).`);
  }
  return minutes;
}

/** Locally a schedule may run more often (`localEveryMinutes`), so its effect shows while someone watches. */
function localEveryMinutes(user: EventFunctionDefinition): number {
  return user.trigger.options?.localEveryMinutes === undefined
    ? everyMinutes(user)
    : everyMinutes(user, 'localEveryMinutes');
}

/** The payload EventBridge sends a scheduled rule's target. */
export function scheduledEvent(region: string, time = new Date()) {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '000000000000',
    time: time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region,
    resources: [],
    detail: {},
  };
}

/**
 * Running a function every few minutes (`options: { everyMinutes, localEveryMinutes? }`). In AWS an
 * EventBridge rule with a rate; locally a timer with the same event. Scheduled work must be idempotent: a run that fails is retried by EventBridge, and the next tick
 * covers what it missed.
 */
export const capability = defineCapability({
  id: 'schedule',
  summary: 'A schedule (EventBridge rate rule; a timer locally)',

  aws(stage) {
    return {
      use: () => ({}),
      invocation: (user) => ({
        deadLetterQueue:
          `Invoked by an EventBridge schedule every ${everyMinutes(user)} minute(s); a failed run is retried by ` +
          'EventBridge and the next tick does its work again (scheduled work is idempotent), so a dead-letter ' +
          'queue would only hold ticks nobody needs.',
        concurrency:
          'One invocation per tick; a tick that overlaps a slow predecessor finds the work already done (its ' +
          'writes are conditional).',
      }),
      trigger(user, { fn }) {
        const rule = new Rule(stage.scope, `${user.id}Schedule`, {
          description: `${user.summary} (every ${everyMinutes(user)} min)`,
          schedule: Schedule.rate(Duration.minutes(everyMinutes(user))),
          targets: [new LambdaFunction(fn, { retryAttempts: 2, maxEventAge: Duration.minutes(10) })],
        });
        acknowledge(
          rule,
          ['Serverless-EventBusDLQ'],
          'A schedule tick carries nothing: EventBridge retries a failed invocation twice within ten minutes, ' +
            'and the next tick does the same work again (scheduled work is idempotent), so a dead-letter queue ' +
            'would only hold empty ticks. Failures raise the function’s own alarm.',
        );
      },
    };
  },

  async local() {
    const timers: NodeJS.Timeout[] = [];
    return {
      environment: {},
      trigger(user, invoke) {
        const timer = setInterval(() => {
          invoke(scheduledEvent('eu-west-2')).catch((error: Error) =>
            console.error(`[schedule] ${user.id} failed: ${error.message}`),
          );
        }, localEveryMinutes(user) * 60_000);
        timer.unref();
        timers.push(timer);
      },
      close: async () => {
        for (const timer of timers) clearInterval(timer);
      },
    };
  },
});
