/**
 * `uses: ['sms']`: the function sends texts (Amazon SNS `Publish` to a phone number, and its opt-out list;
 * locally the SMS stand-in speaking the same API). Only the invite sender uses it: no other function may
 * publish an SMS. `trigger: { capability: 'sms-delivery-logs' }`: the function receives SNS's SMS
 * delivery-status records (CloudWatch Logs subscription events). infra/capabilities/sms.ts and
 * sms-delivery-logs.ts make them.
 */
declare module '../capabilities' {
  interface Capabilities {
    sms: true;
    'sms-delivery-logs': true;
  }
}

export {};
