import { findBrowserHere } from './find-browser';

/**
 * First step of `npm test`: the browser tests come last, after minutes of others, so a missing browser is
 * reported before anything runs, in one line.
 */
const found = await findBrowserHere();
if (found.path === undefined) {
  console.error(found.problem);
  process.exit(1);
}
console.log(`Browser tests will drive ${found.path} (${found.source}).`);
