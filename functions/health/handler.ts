import { z } from 'zod';
import { BaseConfig } from '../../layers/config/base-config';
import { loadConfig } from '../../layers/config/load-config';
import { httpHandler } from '../../layers/http/pipeline';
import { createDocumentClient } from '../../layers/storage/dynamo-client';
import { DynamoStorageProbe } from '../../layers/storage/dynamo-storage-probe';
import { checkHealth } from './health';
import { getHealthRoute } from './routes';

const config = loadConfig(BaseConfig.extend({ TABLE_DIRECTORY: z.string().min(1) }));
const storage = new DynamoStorageProbe(createDocumentClient(config), config.TABLE_DIRECTORY);

export const getHealth = httpHandler(getHealthRoute, async () => {
  const report = await checkHealth({ storage, version: config.APP_VERSION });
  return { status: report.status === 'ok' ? 200 : 503, body: report };
});
