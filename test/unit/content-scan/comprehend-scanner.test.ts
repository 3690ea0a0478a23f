import {
  ComprehendClient,
  DetectToxicContentCommand,
  InternalServerException,
  TextSizeLimitExceededException,
} from '@aws-sdk/client-comprehend';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  ComprehendScanner,
  ContentScanUnavailableError,
  withFallback,
} from '../../../layers/content-scan/comprehend-scanner';
import { WordListScanner } from '../../../layers/content-scan/word-list-scanner';

const comprehend = mockClient(ComprehendClient);
beforeEach(() => comprehend.reset());
const scanner = (options = {}) =>
  new ComprehendScanner(new ComprehendClient({ region: 'eu-west-2' }), options);

describe('the Comprehend scanner', () => {
  it('asks for one English segment, the text as written', async () => {
    comprehend.on(DetectToxicContentCommand).resolves({ ResultList: [{ Toxicity: 0.01, Labels: [] }] });
    await expect(scanner().scan('See you at 2pm')).resolves.toEqual({ verdict: 'clean' });
    expect(comprehend.commandCalls(DetectToxicContentCommand)[0]?.args[0].input).toEqual({
      TextSegments: [{ Text: 'See you at 2pm' }],
      LanguageCode: 'en',
    });
  });

  it('flags labels at or above the threshold, each as our category', async () => {
    comprehend.on(DetectToxicContentCommand).resolves({
      ResultList: [
        {
          Toxicity: 0.9,
          Labels: [
            { Name: 'VIOLENCE_OR_THREAT', Score: 0.88 },
            { Name: 'INSULT', Score: 0.5 },
            { Name: 'PROFANITY', Score: 0.2 },
          ],
        },
      ],
    });
    await expect(scanner().scan('text')).resolves.toEqual({
      verdict: 'abusive',
      reasons: [
        { category: 'threat', description: 'violence or a threat (Amazon Comprehend)' },
        { category: 'harassment', description: 'an insult (Amazon Comprehend)' },
      ],
    });
  });

  it('flags high overall toxicity even when no one label is high', async () => {
    comprehend.on(DetectToxicContentCommand).resolves({
      ResultList: [{ Toxicity: 0.7, Labels: [{ Name: 'INSULT', Score: 0.3 }] }],
    });
    await expect(scanner().scan('text')).resolves.toEqual({
      verdict: 'abusive',
      reasons: [{ category: 'toxicity', description: 'toxic language (Amazon Comprehend)' }],
    });
    await expect(scanner({ toxicityThreshold: 0.8 }).scan('text')).resolves.toEqual({ verdict: 'clean' });
  });

  it('is unavailable, not clean, when Comprehend fails, and never quotes the text', async () => {
    comprehend
      .on(DetectToxicContentCommand)
      .rejects(new InternalServerException({ message: 'failed on "I will hurt you"', $metadata: {} }));
    const error = await scanner()
      .scan('I will hurt you')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContentScanUnavailableError);
    expect((error as Error).message).toBe('Comprehend did not answer (InternalServerException).');

    comprehend.on(DetectToxicContentCommand).resolves({});
    await expect(scanner().scan('text')).rejects.toBeInstanceOf(ContentScanUnavailableError);
    await expect(scanner().scan('x'.repeat(1025))).rejects.toThrow(/longer than one Comprehend segment/);
    comprehend
      .on(DetectToxicContentCommand)
      .rejects(new TextSizeLimitExceededException({ message: 'too big', $metadata: {} }));
    await expect(scanner().scan('text')).rejects.toBeInstanceOf(ContentScanUnavailableError);
  });

  it('does not call Comprehend for empty text', async () => {
    await expect(scanner().scan('   ')).resolves.toEqual({ verdict: 'clean' });
    expect(comprehend.commandCalls(DetectToxicContentCommand)).toHaveLength(0);
  });
});

describe('the word list with Comprehend beside it', () => {
  it('is abusive if either says so', async () => {
    comprehend.on(DetectToxicContentCommand).resolves({
      ResultList: [{ Toxicity: 0.95, Labels: [{ Name: 'HARASSMENT_OR_ABUSE', Score: 0.95 }] }],
    });
    const combined = withFallback(new WordListScanner(), scanner());
    await expect(combined.scan('a polite-sounding but nasty text')).resolves.toMatchObject({
      verdict: 'abusive',
      reasons: [{ category: 'harassment' }],
    });
  });

  it('keeps the word list’s verdict when Comprehend is down, and says so', async () => {
    comprehend
      .on(DetectToxicContentCommand)
      .rejects(new InternalServerException({ message: 'down', $metadata: {} }));
    const outages: Error[] = [];
    const combined = withFallback(new WordListScanner(), scanner(), (error) => outages.push(error));
    await expect(combined.scan('We know where you live')).resolves.toMatchObject({ verdict: 'abusive' });
    await expect(combined.scan('See you at 2pm')).resolves.toEqual({ verdict: 'clean' });
    expect(outages).toHaveLength(2);
  });

  it('lets a programming error through rather than hiding it', async () => {
    const broken = { scan: () => Promise.reject(new TypeError('bug')) };
    await expect(withFallback(new WordListScanner(), broken).scan('hi')).rejects.toThrow(TypeError);
  });
});
