import {
  type ComprehendClient,
  DetectToxicContentCommand,
  type ToxicContentType,
} from '@aws-sdk/client-comprehend';
import {
  type ContentScanner,
  combineScans,
  type ScanCategory,
  type ScanReason,
  type ScanResult,
} from './content-scanner';

/**
 * Optional: Amazon Comprehend's `DetectToxicContent` behind the same port. English only, and its
 * availability in eu-west-2 is unconfirmed, so a deployment turns it on where it exists and always keeps the
 * word-list scanner beside it (`withFallback`): Comprehend adds judgement about tone that no list has; the
 * list still catches what Comprehend scores low.
 *
 * A label at or above `labelThreshold`, or an overall toxicity at or above `toxicityThreshold`, flags the
 * text. Defaults are cautious (0.5): a flag only holds the message for the clinical lead.
 */

export interface ComprehendScannerOptions {
  toxicityThreshold?: number;
  labelThreshold?: number;
}

/** Comprehend could not be asked (throttled, down, not in this region): the caller falls back. */
export class ContentScanUnavailableError extends Error {
  override name = 'ContentScanUnavailableError';
}

const LABELS: Readonly<Record<ToxicContentType, { category: ScanCategory; words: string }>> = {
  PROFANITY: { category: 'profanity', words: 'swearing' },
  HATE_SPEECH: { category: 'toxicity', words: 'hate speech' },
  INSULT: { category: 'harassment', words: 'an insult' },
  HARASSMENT_OR_ABUSE: { category: 'harassment', words: 'harassment or abuse' },
  VIOLENCE_OR_THREAT: { category: 'threat', words: 'violence or a threat' },
  GRAPHIC: { category: 'toxicity', words: 'graphic content' },
  SEXUAL: { category: 'toxicity', words: 'sexual content' },
};

/** Comprehend takes segments of at most 1 KB of UTF-8; ours are a few hundred characters. */
const MAX_SEGMENT_BYTES = 1024;

export class ComprehendScanner implements ContentScanner {
  private readonly toxicityThreshold: number;
  private readonly labelThreshold: number;

  constructor(
    private readonly client: ComprehendClient,
    options: ComprehendScannerOptions = {},
  ) {
    this.toxicityThreshold = options.toxicityThreshold ?? 0.5;
    this.labelThreshold = options.labelThreshold ?? 0.5;
  }

  async scan(text: string): Promise<ScanResult> {
    if (text.trim() === '') return { verdict: 'clean' };
    if (Buffer.byteLength(text, 'utf8') > MAX_SEGMENT_BYTES) {
      throw new ContentScanUnavailableError('The text is longer than one Comprehend segment.');
    }
    let result: { Toxicity?: number; Labels?: { Name?: ToxicContentType; Score?: number }[] } | undefined;
    try {
      const output = await this.client.send(
        new DetectToxicContentCommand({ TextSegments: [{ Text: text }], LanguageCode: 'en' }),
      );
      result = output.ResultList?.[0];
    } catch (error) {
      // Only the error's name: the text may be quoted back in a message.
      throw new ContentScanUnavailableError(
        `Comprehend did not answer (${error instanceof Error ? error.name : 'unknown error'}).`,
      );
    }
    if (!result) throw new ContentScanUnavailableError('Comprehend returned no result.');

    const reasons: ScanReason[] = [];
    for (const label of result.Labels ?? []) {
      const known = label.Name ? LABELS[label.Name] : undefined;
      if (!known || (label.Score ?? 0) < this.labelThreshold) continue;
      reasons.push({ category: known.category, description: `${known.words} (Amazon Comprehend)` });
    }
    if (reasons.length === 0 && (result.Toxicity ?? 0) >= this.toxicityThreshold) {
      reasons.push({ category: 'toxicity', description: 'toxic language (Amazon Comprehend)' });
    }
    return reasons.length === 0 ? { verdict: 'clean' } : { verdict: 'abusive', reasons };
  }
}

/**
 * The word list always, and an extra scanner when it answers: abusive if either says so. When the extra
 * one is unavailable the list's verdict stands, and `onUnavailable` is told (for a metric), so an outage
 * neither holds every message nor goes unnoticed.
 */
export function withFallback(
  always: ContentScanner,
  extra: ContentScanner,
  onUnavailable: (error: Error) => void = () => {},
): ContentScanner {
  return {
    async scan(text) {
      const [base, more] = await Promise.all([
        always.scan(text),
        extra.scan(text).catch((error: unknown) => {
          if (!(error instanceof ContentScanUnavailableError)) throw error;
          onUnavailable(error);
          return { verdict: 'clean' } as const;
        }),
      ]);
      return combineScans([base, more]);
    },
  };
}
