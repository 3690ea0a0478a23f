import { join } from 'node:path';
import { REPO_ROOT } from '../../infra/local/local-settings';

/** NHS England's PDS sandbox responses (MIT, Crown Copyright: see test/fixtures/pds/LICENSE). */
export const PDS_FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'pds');
