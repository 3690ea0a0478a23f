import { PracticeId } from '../directory/model';
import * as z from '../validation/z';

/**
 * Practice ids end up in KMS aliases, encryption contexts and (locally) file names, so they are checked at
 * every entry point of this layer: a malformed id (`../x`, empty, upper case) is a programming error.
 */
export function assertPracticeId(practiceId: string): void {
  if (!z.safeParse(PracticeId, practiceId).success) throw new TypeError('Not a practice id.');
}
