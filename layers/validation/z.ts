import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

/**
 * Lambda-side code validates with zod's tree-shakable "mini" API: the classic `z` namespace puts ~450 KB in
 * every bundle (measured by `npm run bench`), mini ~17 KB with English messages. Same zod v4 core, same
 * JSON Schema output. In layers/ and functions/: `import * as z from '.../layers/validation/z'`, never 'zod'
 * (re-exporting the namespace as one object would pull all of it back in).
 */
config(en());

export * from 'zod/mini';
