import { loadConfig } from '../../layers/config/load-config';
import { functionConfig, tableName } from '../../layers/functions/function-config';
import { httpHandler } from '../../layers/http/pipeline';
import { createDocumentClient } from '../../layers/storage/dynamo-client';
import { DynamoStorageProbe } from '../../layers/storage/dynamo-storage-probe';
import { checkHealth } from './health';
import { getHealthRoute } from './routes';

const config = loadConfig(functionConfig(getHealthRoute));
const storage = new DynamoStorageProbe(createDocumentClient(config), tableName(config, 'directory'));

export const handler = httpHandler(getHealthRoute, async () => {
  const report = await checkHealth({ storage, version: config.APP_VERSION });
  return { status: report.status === 'ok' ? 200 : 503, body: report };
});
