/**
 * `uses: ['meetings']`: the function creates, admits to and ends video meetings (Chime SDK in AWS, the local
 * meeting service on `npm start`); `trigger: { capability: 'meetings' }`: it receives their state changes
 * (EventBridge "Chime Meeting State Change"). infra/capabilities/meetings.ts gives both.
 */
declare module '../capabilities' {
  interface Capabilities {
    meetings: true;
  }
}

export {};
