/**
 * `uses: ['pds']`: the function calls NHS England's Personal Demographics Service (layers/pds/pds-config.ts
 * reads its settings; infra/capabilities/pds.ts gives them, the signing-key secret, the local stand-in and
 * the alarms).
 */
declare module '../capabilities' {
  interface Capabilities {
    pds: true;
  }
}

export {};
