import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PracticeKeys } from '../../layers/crypto/practice-keys';
import { type DirectoryStore, StaleWriteError } from '../../layers/directory/directory-store';
import type { StaffRole } from '../../layers/directory/model';
import { generateTotpSecret } from './oidc';

export interface DemoStaff {
  sub: string;
  email: string;
  name: string;
  role: StaffRole;
  password: string;
  totpSecret: string;
}

export interface DemoData {
  practice: { practiceId: string; name: string; odsCode: string };
  staff: DemoStaff[];
}

const DEMO_STAFF: ReadonlyArray<Pick<DemoStaff, 'email' | 'name' | 'role'>> = [
  { email: 'admin@demo.nhs.net', name: 'Alex Morgan', role: 'practice_admin' },
  { email: 'clinician@demo.nhs.net', name: 'Dr Sam Patel', role: 'clinician' },
  { email: 'lead@demo.nhs.net', name: 'Dr Jo Evans', role: 'clinical_lead' },
  { email: 'reception@demo.nhs.net', name: 'Chris Lee', role: 'receptionist' },
  { email: 'officer@demo.nhs.net', name: 'Pat Okafor', role: 'compliance_officer' },
];

function newPassword(): string {
  // Readable, and it satisfies any sensible policy: upper, lower, digit, symbol, 20+ characters.
  return `Demo-${randomBytes(12).toString('base64url')}-9a`;
}

function newDemoMember(member: Pick<DemoStaff, 'email' | 'name' | 'role'>): DemoStaff {
  return { ...member, sub: randomUUID(), password: newPassword(), totpSecret: generateTotpSecret() };
}

/**
 * Demo credentials are made on first start and kept in the data directory (mode 0600), never in the repo:
 * each clone gets its own, and `npm start` prints them.
 */
async function loadOrCreateDemoData(dataDir: string): Promise<DemoData> {
  const file = join(dataDir, 'demo-credentials.json');
  const existing = await readFile(file, 'utf8').catch(() => undefined);
  if (existing) {
    const data = JSON.parse(existing) as DemoData;
    // A data directory from before a demo role existed gets that member added; the others keep their secrets.
    const missing = DEMO_STAFF.filter((demo) => !data.staff.some((member) => member.email === demo.email));
    if (missing.length === 0) return data;
    data.staff.push(...missing.map(newDemoMember));
    await writeFile(file, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600 });
    return data;
  }
  const data: DemoData = {
    practice: { practiceId: 'demo-riverside', name: 'Riverside Surgery (demo)', odsCode: 'Y99999' },
    staff: DEMO_STAFF.map(newDemoMember),
  };
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await writeFile(file, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600 });
  return data;
}

/** Writes the demo practice and its staff; safe to run on every start (it overwrites with the same values). */
export async function seedDemoData(
  dataDir: string,
  directory: DirectoryStore,
  keys: PracticeKeys,
): Promise<DemoData> {
  const data = await loadOrCreateDemoData(dataDir);
  const now = new Date().toISOString();
  // Like an onboarded practice: its ODS code reserved and its own key made (both idempotent).
  await directory.claimOdsCode(data.practice.odsCode, data.practice.practiceId).catch((error: Error) => {
    if (!(error instanceof StaleWriteError)) throw error;
  });
  await keys.provision(data.practice.practiceId, data.practice.name);
  const existing = await directory.getPractice(data.practice.practiceId);
  await directory.putPractice({ ...data.practice, demo: true, createdAt: existing?.createdAt ?? now });
  for (const member of data.staff) {
    // Token claims are read through the membership, as for anyone who registered with a practice.
    if (!(await directory.getMembership(member.sub))) {
      await directory.createMembership({
        sub: member.sub,
        practiceId: data.practice.practiceId,
        createdAt: now,
      });
    }
    const current = await directory.getStaff(data.practice.practiceId, member.sub);
    if (current) continue; // an admin may have changed role or status since; keep their decision
    await directory.putStaff({
      practiceId: data.practice.practiceId,
      sub: member.sub,
      email: member.email,
      name: member.name,
      role: member.role,
      status: 'active',
      createdAt: now,
      updatedAt: now,
    });
  }
  return data;
}
