/**
 * `trigger: { capability: 'schedule', options: { everyMinutes: n } }`: the function runs every n minutes
 * (EventBridge in AWS, a timer in the local stack), with a scheduled-event payload.
 */
declare module '../capabilities' {
  interface Capabilities {
    schedule: true;
  }
}

export {};
