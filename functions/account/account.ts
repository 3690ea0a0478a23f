import type { DirectoryStore } from '../../layers/directory/directory-store';
import { NotFoundError } from '../../layers/http/errors';
import type { StaffCaller } from '../../layers/http/staff-gate';

export async function describeCaller(directory: DirectoryStore, caller: StaffCaller) {
  const practice = await directory.getPractice(caller.practiceId);
  if (!practice) throw new NotFoundError('Your practice could not be found.');
  return {
    staff: { name: caller.staff.name, email: caller.staff.email, role: caller.staff.role },
    practice: {
      id: practice.practiceId,
      name: practice.name,
      odsCode: practice.odsCode,
      demo: practice.demo,
    },
  };
}
