import { timeInLondon, whenInLondon } from '../patients/patient-lookup';

/** "14:32" today, or "on 3 December at 14:32": when something happened or will, in UK time. */
export function when(iso: string, now = new Date()): string {
  const at = new Date(iso);
  const said = whenInLondon(at, now);
  return said.startsWith('at ') ? said.slice(3) : said;
}

export { timeInLondon };
