/**
 * `uses: ['identity-admin']`: the function may act on staff accounts at the identity provider (ending a
 * member's sessions). infra/capabilities/identity-admin.ts gives the user pool and the IAM for it.
 */
declare module '../capabilities' {
  interface Capabilities {
    'identity-admin': true;
  }
}

export {};
