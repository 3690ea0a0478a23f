import { NotFoundError } from '../../layers/http/errors';
import type { StaffCaller } from '../../layers/http/staff-gate';
import { ACCEPTABLE_USE_POLICY } from '../../layers/identity/acceptable-use';
import { PERMISSIONS } from '../../layers/universal/permissions';

export async function describeCaller(caller: StaffCaller) {
  const practice = await caller.stores.directory.getPractice();
  if (!practice) throw new NotFoundError('Your practice could not be found.');
  const { staff } = caller;
  return {
    staff: { name: staff.name, email: staff.email, role: staff.role },
    practice: {
      id: practice.practiceId,
      name: practice.name,
      odsCode: practice.odsCode,
      demo: practice.demo,
    },
    permissions: [...PERMISSIONS[staff.role]],
    acceptableUse: {
      currentVersion: ACCEPTABLE_USE_POLICY.version,
      accepted: staff.aupVersion === ACCEPTABLE_USE_POLICY.version,
    },
  };
}
