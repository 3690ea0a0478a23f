import { loadConfig } from '../../layers/config/load-config';
import { functionConfig } from '../../layers/functions/function-config';
import { buildOpenApiDocument } from '../../layers/http/openapi';
import { httpHandler } from '../../layers/http/pipeline';
import { ROUTES } from '../routes';
import { getOpenApiRoute } from './routes';

const config = loadConfig(functionConfig(getOpenApiRoute));
/** Built once per container: the routes cannot change while it runs. No store, no SDK client. */
const document = buildOpenApiDocument(ROUTES, { version: config.APP_VERSION });

export const handler = httpHandler(getOpenApiRoute, async () => ({
  body: document,
  headers: { 'cache-control': 'public, max-age=300' },
}));
