// Floor: the AWS Encryption SDK as every practice route configures it (layers/crypto/envelope.ts), and its
// raw AES keyring, and nothing else.
import { RawAesKeyringNode } from '@aws-crypto/raw-aes-keyring-node';
import { open, seal } from '../../../layers/crypto/envelope';

export const handler = async () => [typeof seal, typeof open, typeof RawAesKeyringNode];
