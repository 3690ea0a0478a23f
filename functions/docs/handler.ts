import { BaseConfig } from '../../layers/config/base-config';
import { loadConfig } from '../../layers/config/load-config';
import { buildOpenApiDocument } from '../../layers/http/openapi';
import { httpHandler } from '../../layers/http/pipeline';
import { ROUTES } from '../routes';
import { getOpenApiRoute } from './routes';

const config = loadConfig(BaseConfig);
/** Built once per container: the routes cannot change while it runs. */
const document = buildOpenApiDocument(ROUTES, { version: config.APP_VERSION });

export const getOpenApi = httpHandler(getOpenApiRoute, async () => ({
  body: document,
  headers: { 'cache-control': 'public, max-age=300' },
}));
