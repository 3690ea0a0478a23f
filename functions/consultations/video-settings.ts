import type { StaffCaller } from '../../layers/http/staff-gate';
import {
  MEDIA_REGION_NAMES,
  MEDIA_REGIONS,
  type MediaRegion,
  OPT_IN_MEDIA_REGIONS,
} from '../../layers/meetings/regions';

export function videoSettingsView(defaultMediaRegion: MediaRegion) {
  return {
    defaultMediaRegion,
    regions: MEDIA_REGIONS.map((id) => ({
      id,
      name: MEDIA_REGION_NAMES[id],
      optIn: OPT_IN_MEDIA_REGIONS.includes(id),
    })),
  };
}

export async function updateVideoSettings(caller: StaffCaller, region: MediaRegion, requestId: string) {
  const before = await caller.stores.videoSettings.get();
  await caller.stores.videoSettings.put({
    defaultMediaRegion: region,
    updatedAt: new Date().toISOString(),
    updatedBy: caller.subject,
  });
  await caller.stores.audit.record({
    type: 'practice.video_settings_changed',
    actor: { sub: caller.subject, role: caller.staff.role },
    requestId,
    details: { from: before.defaultMediaRegion, to: region },
  });
  return videoSettingsView(region);
}
