import { describe, expect, it } from 'vitest';
import { combineScans } from '../../../layers/content-scan/content-scanner';
import {
  compilePhrase,
  normaliseForPhrases,
  THREAT_PHRASES,
} from '../../../layers/content-scan/threat-phrases';
import { scanText, WordListScanner } from '../../../layers/content-scan/word-list-scanner';

const categories = (text: string) => {
  const result = scanText(text);
  return result.verdict === 'clean' ? [] : [...new Set(result.reasons.map((reason) => reason.category))];
};

describe('swearing', () => {
  it.each([
    'You are a fucking nuisance',
    'this is shit',
    'Stop being a bastard',
    'what a twat',
    'wanker',
    'bollocks to that',
  ])('flags %j', (text) => {
    expect(categories(text)).toContain('profanity');
  });

  it.each([
    'f*ck off',
    'fuuuuck this',
    'FUCK',
    'sh1t',
    '$hit',
    'sh!t',
    'fück',
    'fcuk',
    'phuck you',
    'f**k',
    'F***',
    'motherf***er',
    'c***',
    'f u c k you',
    's.h.i.t',
    'f-u-c-k',
    'bellend',
  ])('flags disguised swearing %j', (text) => {
    expect(categories(text)).toContain('profanity');
  });

  it('says which word, for the clinical lead', () => {
    expect(scanText('well f*ck that')).toEqual({
      verdict: 'abusive',
      reasons: [{ category: 'profanity', description: 'swearing ("f*ck")' }],
    });
  });

  it('quotes the right word after emoji and accented letters', () => {
    expect(scanText('😀😀 fuck off')).toEqual({
      verdict: 'abusive',
      reasons: [{ category: 'profanity', description: 'swearing ("fuck")' }],
    });
    expect(scanText('Ünïcødé shït')).toEqual({
      verdict: 'abusive',
      reasons: [{ category: 'profanity', description: 'swearing ("shït")' }],
    });
  });
});

describe('threats and harassment without swearing', () => {
  it.each([
    ['I will hurt you', 'threat'],
    ["I'll hurt you", 'threat'],
    ['I’ll HURT you!!', 'threat'],
    ["we're going to hurt you", 'threat'],
    ['I am going to kill you', 'threat'],
    ['I will k1ll y0u', 'threat'],
    ['I will hurrrrt you', 'threat'],
    ['someone is going to hurt your family', 'threat'],
    ['We know where you live', 'threat'],
    ['we KNOW where u live', 'threat'],
    ['You will regret this', 'threat'],
    ["You'll regret it", 'threat'],
    ["you'll be sorry", 'threat'],
    ['Watch your back', 'threat'],
    ['watch ur back', 'threat'],
    ["you're dead", 'threat'],
    ['I will come round to your house', 'threat'],
    ['I will make you pay', 'threat'],
    ['kill yourself', 'self-harm'],
    ['kys', 'self-harm'],
    ['you should die', 'self-harm'],
    ['You are worthless', 'harassment'],
    ["you're pathetic", 'harassment'],
    ['you are an idiot', 'harassment'],
    ['you stupid woman', 'harassment'],
    ['nobody cares about you', 'harassment'],
    ['Shut up', 'harassment'],
    ['You disgust me', 'harassment'],
    ['stop being a time waster', 'harassment'],
  ])('flags %j as %s', (text, category) => {
    expect(categories(text)).toContain(category);
  });

  it('describes the kind of phrase, with an example rather than the text itself', () => {
    expect(scanText('We know where you live.')).toEqual({
      verdict: 'abusive',
      reasons: [{ category: 'threat', description: 'a threat (like "we know where you live")' }],
    });
  });
});

describe('clean text, including words that trip naive filters', () => {
  it.each([
    'Scunthorpe',
    'Your appointment is at the Penistone surgery',
    'Penistone Road, Sheffield',
    'Please bring your class timetable',
    'Your assessment is at 2pm',
    'Cocktail sticks are not allowed in the waiting room',
    'Cumnock Health Centre',
    'Dr Cummings will call you',
    'Dr Dickinson will call you',
    'Analgesic prescription ready',
    'Essex, Sussex and Middlesex',
    'Arsenal Road surgery',
    'Shitterton village hall clinic',
    'The rapeseed harvest has brought hay fever: ask about antihistamines',
    'Your therapist will call you',
    'Please document your symptoms',
    'Cockermouth Community Hospital',
    'Hancock Street',
    'Dr Hitchcock',
    'We will get you an appointment soon',
    'We will find you a slot next week',
    'We will call you at 10:30',
    'I will see you at 3pm',
    'Please call us or else book online',
    'Your lazy eye check is due',
    'Please let us know where you live now if you have moved',
    'I am going to call you back',
    'Dr Patel will call you today between 2 and 4pm.',
    'If you cannot make it, please reply or phone 0113 496 0000.',
  ])('leaves %j alone', (text) => {
    expect(scanText(text)).toEqual({ verdict: 'clean' });
  });
});

describe('the port and its helpers', () => {
  it('scans asynchronously through the port', async () => {
    await expect(new WordListScanner().scan('I will hurt you')).resolves.toMatchObject({
      verdict: 'abusive',
    });
    await expect(new WordListScanner().scan('See you soon')).resolves.toEqual({ verdict: 'clean' });
  });

  it('combines scanners: abusive if any is, each reason once', () => {
    const threat = { category: 'threat' as const, description: 'a threat' };
    expect(combineScans([{ verdict: 'clean' }, { verdict: 'clean' }])).toEqual({ verdict: 'clean' });
    expect(
      combineScans([
        { verdict: 'abusive', reasons: [threat] },
        { verdict: 'clean' },
        { verdict: 'abusive', reasons: [threat] },
      ]),
    ).toEqual({ verdict: 'abusive', reasons: [threat] });
  });

  it('normalises contractions, leetspeak inside words and punctuation, but not times', () => {
    expect(normaliseForPhrases("I'll  K1LL u, at 10:30!")).toBe('i will kill u at');
    expect(normaliseForPhrases('You’re')).toBe('you are');
  });

  it('compiles every curated phrase, and refuses regex syntax it does not support', () => {
    for (const phrase of THREAT_PHRASES) expect(compilePhrase(phrase.pattern)).toBeInstanceOf(RegExp);
    expect(() => compilePhrase('hurt.*you')).toThrow(/Unsupported/);
    expect(compilePhrase('hurt you').test('i will hurt yourself')).toBe(false);
  });
});
