/**
 * Where a video consultation's media may be hosted, and through which endpoint meetings are managed (R11).
 * Pure (no imports) so that the console and the join page can show and check the same list the API enforces.
 *
 * Amazon Chime SDK meetings have two kinds of region (Chime SDK Developer Guide, "Using meeting Regions" and
 * "Available Regions"):
 * - a **media region** hosts the meeting itself: every attendee's audio and video goes to and from it. The EU
 *   media regions are eu-west-2 (London), eu-west-1 (Ireland), eu-west-3 (Paris), eu-central-1 (Frankfurt),
 *   eu-north-1 (Stockholm) and eu-south-1 (Milan, an opt-in region: it must be enabled in the account).
 * - a **control region** has the `meetings-chime.<region>.amazonaws.com` API endpoint that creates, updates and
 *   deletes meetings, and is where the meeting's events reach EventBridge. A meeting can only be updated in the
 *   control region that created it. The EU control regions are eu-central-1 (since 2021) and eu-west-2 (since
 *   September 2023); a control region may create a meeting in any media region of its partition.
 */

/** The EU media regions we allow, London first: it is the default. */
export const MEDIA_REGIONS = [
  'eu-west-2',
  'eu-west-1',
  'eu-west-3',
  'eu-central-1',
  'eu-north-1',
  'eu-south-1',
] as const;

export type MediaRegion = (typeof MEDIA_REGIONS)[number];

export const DEFAULT_MEDIA_REGION: MediaRegion = 'eu-west-2';

/** The EU control regions (meeting API endpoints). */
export const CONTROL_REGIONS = ['eu-west-2', 'eu-central-1'] as const;

export type ControlRegion = (typeof CONTROL_REGIONS)[number];

export const DEFAULT_CONTROL_REGION: ControlRegion = 'eu-west-2';

/** For pickers: the city people know each region by. */
export const MEDIA_REGION_NAMES: Readonly<Record<MediaRegion, string>> = {
  'eu-west-2': 'London',
  'eu-west-1': 'Ireland',
  'eu-west-3': 'Paris',
  'eu-central-1': 'Frankfurt',
  'eu-north-1': 'Stockholm',
  'eu-south-1': 'Milan',
};

/** Milan must be enabled in the AWS account before Chime can host a meeting there. */
export const OPT_IN_MEDIA_REGIONS: readonly MediaRegion[] = ['eu-south-1'];

export class MediaRegionError extends Error {
  override readonly name: string = 'MediaRegionError';
}

export function isMediaRegion(value: unknown): value is MediaRegion {
  return typeof value === 'string' && (MEDIA_REGIONS as readonly string[]).includes(value);
}

export function isControlRegion(value: unknown): value is ControlRegion {
  return typeof value === 'string' && (CONTROL_REGIONS as readonly string[]).includes(value);
}

function shown(value: unknown): string {
  if (typeof value !== 'string') return typeof value;
  // A region name is short and harmless; anything longer is not echoed back whole.
  return JSON.stringify(value.length > 32 ? `${value.slice(0, 32)}…` : value);
}

/**
 * The media region for a meeting, exactly as asked. Anything outside the EU list is refused, never replaced by
 * the default: a clinician who picked a region must get that region or an error, not media somewhere else.
 */
export function parseMediaRegion(value: unknown): MediaRegion {
  if (isMediaRegion(value)) return value;
  throw new MediaRegionError(
    `${shown(value)} is not an allowed media region for video consultations. Allowed: ${MEDIA_REGIONS.map(
      (region) => `${region} (${MEDIA_REGION_NAMES[region]})`,
    ).join(', ')}.`,
  );
}

/** The region of the meeting API endpoint: only EU control regions, so meeting events stay in the EU too. */
export function parseControlRegion(value: unknown): ControlRegion {
  if (isControlRegion(value)) return value;
  throw new MediaRegionError(
    `${shown(value)} is not an EU control region of Amazon Chime SDK meetings. Allowed: ${CONTROL_REGIONS.join(', ')}.`,
  );
}
