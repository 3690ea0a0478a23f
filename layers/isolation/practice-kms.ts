import { KMSClient, type KMSClientConfig } from '@aws-sdk/client-kms';
import { type ScopedClients, scopedClients } from './scoped-clients';

let sharedHandler: KMSClientConfig['requestHandler'] | undefined;

/**
 * KMS for one practice's key (Encrypt, Decrypt, GenerateDataKey, with `practiceId` in the context), signed
 * with that practice's scoped credentials. Its own module: only functions that use practice keys bundle KMS.
 */
export function practiceKmsClient(practiceId: string, clients: ScopedClients = scopedClients()): KMSClient {
  return clients.practiceClient('kms', practiceId, ({ region, credentials, requestHandler }) => {
    const handler = (requestHandler as KMSClientConfig['requestHandler']) ?? sharedHandler;
    const client = new KMSClient({
      region,
      maxAttempts: 3,
      ...(handler ? { requestHandler: handler } : {}),
      ...(credentials ? { credentials } : {}),
    });
    // One connection pool for every practice's KMS client in the container.
    sharedHandler ??= client.config.requestHandler;
    return client;
  });
}
