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

export {};
