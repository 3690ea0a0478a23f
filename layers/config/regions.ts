/**
 * AWS regions inside the EU/EEA (plus London, which the UK GDPR adequacy decision covers). Patient data and
 * video media must stay in these (R11), so deployment to anything else is refused.
 */
export const EU_REGIONS = [
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'eu-central-1',
  'eu-central-2',
  'eu-north-1',
  'eu-south-1',
  'eu-south-2',
] as const;

export type EuRegion = (typeof EU_REGIONS)[number];

export function isEuRegion(region: string): region is EuRegion {
  return (EU_REGIONS as readonly string[]).includes(region);
}
