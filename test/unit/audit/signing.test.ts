import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetPublicKeyCommand, KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DigestVerifier,
  KmsDigestSigner,
  kmsDigestVerifier,
  LocalDigestSigner,
  readLocalDigestVerifier,
} from '../../../layers/audit/seal/signing';

const KEY_ARN = 'arn:aws:kms:eu-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const bytes = new TextEncoder().encode('{"format":"clinic-connect/audit-digest/1"}');

describe('KmsDigestSigner', () => {
  const kms = mockClient(KMSClient);
  // What KMS holds: an ECC_NIST_P256 key pair whose private half never leaves it.
  const pair = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });

  beforeEach(() => {
    kms.reset();
    kms.on(SignCommand).callsFake(async (input: { Message: Uint8Array }) => ({
      KeyId: KEY_ARN,
      SigningAlgorithm: 'ECDSA_SHA_256',
      Signature: signDigest(input.Message),
    }));
    kms.on(GetPublicKeyCommand).resolves({
      KeyId: KEY_ARN,
      KeySpec: 'ECC_NIST_P256',
      KeyUsage: 'SIGN_VERIFY',
      SigningAlgorithms: ['ECDSA_SHA_256'],
      PublicKey: pair.publicKey.export({ format: 'der', type: 'spki' }),
    });
  });

  afterEach(() => kms.reset());

  function signDigest(digest: Uint8Array): Uint8Array {
    // node:crypto has no "sign a prehashed digest" for ECDSA; KMS does. Signing the original bytes is the same
    // operation, so find the bytes by the digest the test sent (there is only one message in these tests).
    expect(Buffer.from(digest)).toEqual(createHash('sha256').update(bytes).digest());
    return sign('sha256', bytes, { key: pair.privateKey, dsaEncoding: 'der' });
  }

  it('sends only the SHA-256 of the digest, as a DIGEST message, for ECDSA_SHA_256', async () => {
    const signer = new KmsDigestSigner(new KMSClient({ region: 'eu-west-2' }), KEY_ARN);
    const signature = await signer.sign(bytes);
    const [call] = kms.commandCalls(SignCommand);
    expect(call?.args[0].input).toEqual({
      KeyId: KEY_ARN,
      Message: createHash('sha256').update(bytes).digest(),
      MessageType: 'DIGEST',
      SigningAlgorithm: 'ECDSA_SHA_256',
    });
    expect(signer.keyId).toBe(KEY_ARN);
    expect(Buffer.from(signature)[0]).toBe(0x30); // DER SEQUENCE
    const verifier = await kmsDigestVerifier(new KMSClient({ region: 'eu-west-2' }), KEY_ARN);
    expect(verifier.verify(bytes, signature)).toBe(true);
    expect(verifier.verify(new TextEncoder().encode('{"format":"other"}'), signature)).toBe(false);
  });

  it('wants the key ARN, since an alias could later point at another key', () => {
    const client = new KMSClient({ region: 'eu-west-2' });
    expect(() => new KmsDigestSigner(client, 'alias/clinic-connect/audit')).toThrow(/key ARN/);
    expect(() => new KmsDigestSigner(client, '1234abcd-12ab-34cd-56ef-1234567890ab')).toThrow(/key ARN/);
  });

  it('fails when KMS returns no signature', async () => {
    kms.on(SignCommand).resolves({ KeyId: KEY_ARN });
    const signer = new KmsDigestSigner(new KMSClient({ region: 'eu-west-2' }), KEY_ARN);
    await expect(signer.sign(bytes)).rejects.toThrow(/no signature/);
  });

  it('refuses a public key of the wrong kind', async () => {
    kms.on(GetPublicKeyCommand).resolves({
      KeyId: KEY_ARN,
      KeySpec: 'RSA_2048',
      KeyUsage: 'SIGN_VERIFY',
      SigningAlgorithms: ['RSASSA_PKCS1_V1_5_SHA_256'],
      PublicKey: new Uint8Array([1]),
    });
    await expect(kmsDigestVerifier(new KMSClient({ region: 'eu-west-2' }), KEY_ARN)).rejects.toThrow(
      /ECC_NIST_P256/,
    );
  });
});

describe('DigestVerifier', () => {
  const pair = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const signature = sign('sha256', bytes, { key: pair.privateKey, dsaEncoding: 'der' });

  it('verifies from a PEM or from DER SPKI, and rejects a changed message or a damaged signature', () => {
    for (const key of [
      pair.publicKey.export({ format: 'pem', type: 'spki' }).toString(),
      pair.publicKey.export({ format: 'der', type: 'spki' }),
    ]) {
      const verifier = DigestVerifier.fromPublicKey('k', key);
      expect(verifier.verify(bytes, signature)).toBe(true);
      expect(verifier.verify(new Uint8Array([...bytes, 32]), signature)).toBe(false);
      const damaged = Buffer.from(signature);
      damaged[damaged.length - 1] = (damaged.at(-1) ?? 0) ^ 1;
      expect(verifier.verify(bytes, damaged)).toBe(false);
      expect(verifier.verify(bytes, new Uint8Array([1, 2, 3]))).toBe(false);
    }
  });

  it('rejects a signature in the IEEE P1363 (r||s) form: digests carry DER, as KMS returns', () => {
    const p1363 = sign('sha256', bytes, { key: pair.privateKey, dsaEncoding: 'ieee-p1363' });
    expect(
      DigestVerifier.fromPublicKey('k', pair.publicKey.export({ format: 'pem', type: 'spki' })).verify(
        bytes,
        p1363,
      ),
    ).toBe(false);
  });

  it('accepts only EC P-256 keys', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).publicKey;
    for (const key of [rsa, p384]) {
      expect(() =>
        DigestVerifier.fromPublicKey('k', key.export({ format: 'pem', type: 'spki' }).toString()),
      ).toThrow(/P-256/);
    }
  });
});

describe('LocalDigestSigner', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'clinic-seal-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('makes a key pair once, in private files, and keeps using it', async () => {
    const keysDir = join(dir, 'keys');
    const signer = await LocalDigestSigner.open({ dir: keysDir });
    expect((await stat(keysDir)).mode & 0o777).toBe(0o700);
    expect((await stat(join(keysDir, 'audit-signing.private.pem'))).mode & 0o777).toBe(0o600);
    expect((await stat(join(keysDir, 'audit-signing.public.pem'))).mode & 0o777).toBe(0o600);
    expect(signer.keyId).toMatch(/^local\/audit-signing\/[0-9a-f]{16}$/);

    const again = await LocalDigestSigner.open({ dir: keysDir });
    expect(again.keyId).toBe(signer.keyId);
    const signature = await again.sign(bytes);
    const verifier = await readLocalDigestVerifier(keysDir);
    expect(verifier.keyId).toBe(signer.keyId);
    expect(verifier.verify(bytes, signature)).toBe(true);
  });

  it('gives a regenerated key another id, so old digests do not pass under the old name', async () => {
    const first = await LocalDigestSigner.open({ dir });
    await rm(join(dir, 'audit-signing.private.pem'));
    await rm(join(dir, 'audit-signing.public.pem'));
    const second = await LocalDigestSigner.open({ dir });
    expect(second.keyId).not.toBe(first.keyId);
  });

  it('refuses a public key file that does not belong to the private key', async () => {
    await LocalDigestSigner.open({ dir });
    const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey;
    await writeFile(join(dir, 'audit-signing.public.pem'), other.export({ format: 'pem', type: 'spki' }));
    await expect(LocalDigestSigner.open({ dir })).rejects.toThrow(/does not belong/);
  });

  it('two processes starting together end up with one key', async () => {
    const [a, b] = await Promise.all([LocalDigestSigner.open({ dir }), LocalDigestSigner.open({ dir })]);
    expect(a.keyId).toBe(b.keyId);
    expect(await readFile(join(dir, 'audit-signing.public.pem'), 'utf8')).toBe(a.publicKeyPem);
  });
});
