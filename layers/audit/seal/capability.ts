/**
 * `uses: ['audit-seal']`: the function seals audit trails, signing digests with the stage's asymmetric audit
 * key (KMS `Sign`; locally a key pair under the data directory) and copying each digest to the write-once
 * store (S3 Object Lock in compliance mode; locally files). Only the sealer uses it.
 *
 * `uses: ['audit-verify']`: the function checks trails against their digests with the audit key's PUBLIC key
 * only (KMS `GetPublicKey`; locally the public key file). infra/capabilities/audit-seal.ts and
 * audit-verify.ts give both.
 */
declare module '../../capabilities' {
  interface Capabilities {
    'audit-seal': true;
    'audit-verify': true;
  }
}

export {};
