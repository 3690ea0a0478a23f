import * as z from '../../layers/validation/z';

/**
 * Staff may only sign up with an address in an allow-listed domain (R2): `nhs.net` by default. A subdomain
 * of an allowed domain is allowed too (`x.nhs.uk` under `nhs.uk`); lookalikes (`evilnhs.net`) are not.
 */
export function isAllowedStaffEmail(email: string, allowedDomains: readonly string[]): boolean {
  const at = email.lastIndexOf('@');
  if (at < 1 || at !== email.indexOf('@')) return false;
  const domain = email
    .slice(at + 1)
    .trim()
    .toLowerCase();
  if (
    !/^[a-z0-9.-]+$/.test(domain) ||
    domain.startsWith('.') ||
    domain.endsWith('.') ||
    domain.includes('..')
  ) {
    return false;
  }
  return allowedDomains.some((allowed) => {
    const wanted = allowed.trim().toLowerCase();
    return domain === wanted || domain.endsWith(`.${wanted}`);
  });
}

export function parseDomainList(
  value: string | undefined,
  fallback: readonly string[] = ['nhs.net'],
): string[] {
  const domains = (value ?? '')
    .split(',')
    .map((d) => d.trim().toLowerCase())
    .filter(Boolean);
  return domains.length > 0 ? domains : [...fallback];
}

/** The allow-list as a function's setting (stage context `staffEmailDomains`, comma-separated). */
export const StaffEmailSettings = z.object({
  STAFF_EMAIL_DOMAINS: z.prefault(
    z.string().check(z.regex(/^[a-z0-9.-]+(,[a-z0-9.-]+)*$/i, 'must list email domains, comma-separated')),
    'nhs.net',
  ),
});
