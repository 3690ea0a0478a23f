/**
 * The abusive-content port (R7): text a clinician typed is scanned before it is sent. A flagged message is
 * held for the practice's clinical lead, never sent straight away.
 *
 * Adapters: the word-list scanner (`obscenity` plus curated threat and harassment phrases; local and the
 * default everywhere) and, where the region offers it, Amazon Comprehend's toxicity detection. Reasons are
 * short phrases the clinical lead reads beside the text ("swearing", "a threat: “we know where you live”").
 */

export type ScanCategory = 'profanity' | 'threat' | 'harassment' | 'self-harm' | 'toxicity';

export interface ScanReason {
  category: ScanCategory;
  /** For the clinical lead, e.g. `swearing ("f*ck")` or `a threat ("I will hurt you")`. */
  description: string;
}

export type ScanResult = { verdict: 'clean' } | { verdict: 'abusive'; reasons: ScanReason[] };

export interface ContentScanner {
  scan(text: string): Promise<ScanResult>;
}

/** Both verdicts of several scanners in one: abusive if any says so, with every reason, each once. */
export function combineScans(results: readonly ScanResult[]): ScanResult {
  const reasons: ScanReason[] = [];
  const seen = new Set<string>();
  for (const result of results) {
    if (result.verdict !== 'abusive') continue;
    for (const reason of result.reasons) {
      const key = `${reason.category}\u0000${reason.description}`;
      if (seen.has(key)) continue;
      seen.add(key);
      reasons.push(reason);
    }
  }
  return reasons.length === 0 ? { verdict: 'clean' } : { verdict: 'abusive', reasons };
}
