import { BaseConfig, requiredName } from '../../layers/config/base-config';
import { loadConfig } from '../../layers/config/load-config';
import { httpHandler } from '../../layers/http/pipeline';
import { createDocumentClient } from '../../layers/storage/dynamo-client';
import { DynamoStorageProbe } from '../../layers/storage/dynamo-storage-probe';
import * as z from '../../layers/validation/z';
import { checkHealth } from './health';
import { getHealthRoute } from './routes';

const config = loadConfig(z.extend(BaseConfig, { TABLE_DIRECTORY: requiredName() }));
const storage = new DynamoStorageProbe(createDocumentClient(config), config.TABLE_DIRECTORY);

export const getHealth = httpHandler(getHealthRoute, async () => {
  const report = await checkHealth({ storage, version: config.APP_VERSION });
  return { status: report.status === 'ok' ? 200 : 503, body: report };
});
