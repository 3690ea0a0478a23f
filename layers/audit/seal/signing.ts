import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GetPublicKeyCommand, type KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { createPrivateFile, ensurePrivateDir, isNotFound } from '../../crypto/key-material-store';

/**
 * Port: signs digests with an asymmetric key whose private half the sealer never sees (KMS) or keeps in a
 * private file (locally). `keyId` goes into every digest it signs, and is how a verifier finds the public key.
 */
export interface DigestSigner {
  readonly keyId: string;
  /** ECDSA P-256 over SHA-256 of `digestBytes`; the DER-encoded signature, as KMS `Sign` returns it. */
  sign(digestBytes: Uint8Array): Promise<Uint8Array>;
}

/**
 * A KMS key ARN, not an alias or a bare key id: the id is written into each digest and names the public key
 * that verifies it, and an alias can be pointed at another key later.
 */
const KMS_KEY_ARN =
  /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[0-9a-f-]{36}$|^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/mrk-[0-9a-f]{32}$/;

/**
 * The sealer's signer in AWS: KMS `Sign` with an `ECC_NIST_P256` / `SIGN_VERIFY` key. The digest is hashed
 * here and sent as `MessageType: DIGEST`, so only 32 bytes leave the function, whatever the digest's size
 * (KMS takes at most 4 KB of RAW message). The result verifies as ECDSA-SHA256 over the digest bytes.
 */
export class KmsDigestSigner implements DigestSigner {
  constructor(
    private readonly client: KMSClient,
    readonly keyId: string,
  ) {
    if (!KMS_KEY_ARN.test(keyId)) throw new TypeError('The audit signing key must be given by its key ARN.');
  }

  async sign(digestBytes: Uint8Array): Promise<Uint8Array> {
    const { Signature } = await this.client.send(
      new SignCommand({
        KeyId: this.keyId,
        Message: createHash('sha256').update(digestBytes).digest(),
        MessageType: 'DIGEST',
        SigningAlgorithm: 'ECDSA_SHA_256',
      }),
    );
    if (!Signature || Signature.length === 0) throw new Error('KMS returned no signature.');
    return Signature;
  }
}

/**
 * Checks signatures with a public key only. Give it the PEM (SPKI) or the DER SPKI bytes that KMS
 * `GetPublicKey` returns. Any malformed signature is simply not valid.
 */
export class DigestVerifier {
  private constructor(
    readonly keyId: string,
    private readonly key: KeyObject,
  ) {}

  static fromPublicKey(keyId: string, publicKey: string | Uint8Array): DigestVerifier {
    const key =
      typeof publicKey === 'string'
        ? createPublicKey({ key: publicKey, format: 'pem' })
        : createPublicKey({ key: Buffer.from(publicKey), format: 'der', type: 'spki' });
    if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
      throw new TypeError('Audit digests are verified with an EC P-256 public key.');
    }
    return new DigestVerifier(keyId, key);
  }

  verify(digestBytes: Uint8Array, signature: Uint8Array): boolean {
    try {
      return verify('sha256', digestBytes, { key: this.key, dsaEncoding: 'der' }, signature);
    } catch {
      return false;
    }
  }

  /** DER SPKI: what KMS GetPublicKey returns, and what a report can print as the key that checked it. */
  spki(): Uint8Array {
    return this.key.export({ format: 'der', type: 'spki' });
  }
}

/** The public keys a verifier trusts, by key id. A digest naming any other key id is not valid. */
export class DigestKeyring {
  private readonly byId = new Map<string, DigestVerifier>();

  constructor(verifiers: Iterable<DigestVerifier>) {
    for (const verifier of verifiers) this.byId.set(verifier.keyId, verifier);
  }

  get(keyId: string): DigestVerifier | undefined {
    return this.byId.get(keyId);
  }

  get size(): number {
    return this.byId.size;
  }
}

/**
 * Fetches a KMS key's public key (GetPublicKey needs only `kms:GetPublicKey`, never `kms:Sign`) and refuses a
 * key that is not the kind the sealer uses, so a wrong ARN in configuration fails loudly, not as "all invalid".
 */
export async function kmsDigestVerifier(client: KMSClient, keyArn: string): Promise<DigestVerifier> {
  const response = await client.send(new GetPublicKeyCommand({ KeyId: keyArn }));
  if (response.KeySpec !== 'ECC_NIST_P256' || response.KeyUsage !== 'SIGN_VERIFY') {
    throw new TypeError(`${keyArn} is not an ECC_NIST_P256 signing key.`);
  }
  if (!response.SigningAlgorithms?.includes('ECDSA_SHA_256')) {
    throw new TypeError(`${keyArn} does not sign with ECDSA_SHA_256.`);
  }
  if (!response.PublicKey) throw new Error('KMS returned no public key.');
  return DigestVerifier.fromPublicKey(response.KeyId ?? keyArn, response.PublicKey);
}

export interface LocalDigestSignerOptions {
  /** A directory under the git-ignored data dir; created 0700 if missing. */
  dir: string;
  /** File name stem; the key pair is `<name>.private.pem` and `<name>.public.pem`. */
  name?: string;
}

/**
 * The local stand-in for the KMS signing key: an EC P-256 key pair in two files (0600) in `dir`, made on first
 * use. Its key id carries a fingerprint of the public key, so a regenerated key is a different key and the
 * digests signed by the old one stop verifying instead of silently passing under a reused name.
 */
export class LocalDigestSigner implements DigestSigner {
  private constructor(
    readonly keyId: string,
    private readonly privateKey: KeyObject,
    readonly publicKeyPem: string,
  ) {}

  static async open(options: LocalDigestSignerOptions): Promise<LocalDigestSigner> {
    const name = options.name ?? 'audit-signing';
    if (!/^[a-z][a-z0-9-]{0,62}$/.test(name))
      throw new TypeError('Key file names are short lowercase identifiers.');
    await ensurePrivateDir(options.dir);
    const privatePath = join(options.dir, `${name}.private.pem`);
    const publicPath = join(options.dir, `${name}.public.pem`);
    const { privateKey: fresh } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    // Exclusive creation: two processes starting together end up with the same (first) key.
    await createPrivateFile(privatePath, fresh.export({ format: 'pem', type: 'pkcs8' }));
    const privateKey = createPrivateKey({ key: await readFile(privatePath, 'utf8'), format: 'pem' });
    if (
      privateKey.asymmetricKeyType !== 'ec' ||
      privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1'
    ) {
      throw new TypeError(`${privatePath} is not an EC P-256 private key.`);
    }
    const publicKeyPem = createPublicKey(privateKey).export({ format: 'pem', type: 'spki' }).toString();
    if (!(await createPrivateFile(publicPath, publicKeyPem))) {
      const existing = await readFile(publicPath, 'utf8').catch((error: unknown) => {
        if (isNotFound(error)) return undefined;
        throw error;
      });
      if (existing !== publicKeyPem) throw new Error(`${publicPath} does not belong to ${privatePath}.`);
    }
    return new LocalDigestSigner(localKeyId(name, publicKeyPem), privateKey, publicKeyPem);
  }

  async sign(digestBytes: Uint8Array): Promise<Uint8Array> {
    return sign('sha256', digestBytes, { key: this.privateKey, dsaEncoding: 'der' });
  }

  verifier(): DigestVerifier {
    return DigestVerifier.fromPublicKey(this.keyId, this.publicKeyPem);
  }
}

/** `local/<name>/<first 16 hex of SHA-256 of the DER SPKI>`. */
export function localKeyId(name: string, publicKeyPem: string): string {
  const spki = createPublicKey({ key: publicKeyPem, format: 'pem' }).export({ format: 'der', type: 'spki' });
  return `local/${name}/${createHash('sha256').update(spki).digest('hex').slice(0, 16)}`;
}

/** Reads a local public key file (what `npm run audit:verify` trusts), without touching the private key. */
export async function readLocalDigestVerifier(dir: string, name = 'audit-signing'): Promise<DigestVerifier> {
  const pem = await readFile(join(dir, `${name}.public.pem`), 'utf8');
  return DigestVerifier.fromPublicKey(localKeyId(name, pem), pem);
}
