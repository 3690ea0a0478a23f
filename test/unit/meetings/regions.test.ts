import { describe, expect, it } from 'vitest';
import { EU_REGIONS } from '../../../layers/config/regions';
import {
  CONTROL_REGIONS,
  DEFAULT_CONTROL_REGION,
  DEFAULT_MEDIA_REGION,
  MEDIA_REGIONS,
  MediaRegionError,
  parseControlRegion,
  parseMediaRegion,
} from '../../../layers/meetings/regions';

describe('media regions of video consultations', () => {
  it('are the six EU Chime media regions, London by default', () => {
    expect([...MEDIA_REGIONS].sort()).toEqual(
      ['eu-central-1', 'eu-north-1', 'eu-south-1', 'eu-west-1', 'eu-west-2', 'eu-west-3'].sort(),
    );
    expect(DEFAULT_MEDIA_REGION).toBe('eu-west-2');
    // Every media region is one the platform may run in at all.
    for (const region of MEDIA_REGIONS) expect(EU_REGIONS).toContain(region);
  });

  it.each([...MEDIA_REGIONS])('accepts %s as it is', (region) => {
    expect(parseMediaRegion(region)).toBe(region);
  });

  it.each([
    'us-east-1',
    'eu-central-2', // an EU region, but Chime hosts no meetings there
    'eu-south-2',
    'EU-WEST-2',
    ' eu-west-2',
    '',
    'london',
  ])('refuses %j, never replacing it with the default', (region) => {
    expect(() => parseMediaRegion(region)).toThrow(MediaRegionError);
    expect(() => parseMediaRegion(region)).toThrow(/is not an allowed media region.*eu-west-2 \(London\)/);
  });

  it('refuses what is not a string, and does not echo a long value back', () => {
    expect(() => parseMediaRegion(undefined)).toThrow(/^undefined is not an allowed media region/);
    expect(() => parseMediaRegion(42)).toThrow(/^number is not/);
    const message = (() => {
      try {
        parseMediaRegion(`x${'a'.repeat(500)}`);
      } catch (error) {
        return (error as Error).message;
      }
    })();
    expect(message?.length).toBeLessThan(300);
  });
});

describe('control regions (the meeting API endpoint)', () => {
  it('are London and Frankfurt, London by default', () => {
    expect([...CONTROL_REGIONS]).toEqual(['eu-west-2', 'eu-central-1']);
    expect(DEFAULT_CONTROL_REGION).toBe('eu-west-2');
    expect(parseControlRegion('eu-central-1')).toBe('eu-central-1');
  });

  it.each(['us-east-1', 'eu-west-1', 'eu-north-1'])('refuses %s, a media-only or non-EU region', (region) => {
    expect(() => parseControlRegion(region)).toThrow(/not an EU control region/);
  });
});
