/**
 * `uses: ['practice-keys']`: the function encrypts or decrypts practice data under the practice's own key
 * (field encryption, blind indexes). infra/capabilities/practice-keys.ts gives the key access: in AWS through
 * the practice data role, locally the key files under the data directory.
 */
declare module '../capabilities' {
  interface Capabilities {
    'practice-keys': true;
  }
}

/**
 * `uses: ['invite-link-key']`: the function computes the keyed hash of an invite link's token, the platform-wide
 * key by which a public route finds the invite (layers/crypto/invite-link-key.ts). In AWS a KMS HMAC key that
 * only signs (`kms:GenerateMac`); locally a key file.
 */
declare module '../capabilities' {
  interface Capabilities {
    'invite-link-key': true;
  }
}

export {};
