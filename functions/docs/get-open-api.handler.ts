import { loadConfig } from '../../layers/config/load-config';
import { functionConfig } from '../../layers/functions/function-config';
import { buildOpenApiDocument } from '../../layers/http/openapi';
import { httpHandler } from '../../layers/http/pipeline';
import { ROUTES } from '../routes';
import { getOpenApiRoute } from './routes';

const config = loadConfig(functionConfig(getOpenApiRoute));
// Built on first request, then kept for the container (the routes cannot change while it runs): turning
// every route's schemas into JSON Schema is the one costly thing here, and a cold start need not wait for it.
let document: ReturnType<typeof buildOpenApiDocument> | undefined;

export const handler = httpHandler(getOpenApiRoute, async () => {
  document ??= buildOpenApiDocument(ROUTES, { version: config.APP_VERSION });
  return { body: document, headers: { 'cache-control': 'public, max-age=300' } };
});
