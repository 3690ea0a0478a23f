import { readFileSync } from 'node:fs';

const FIXTURE = readFileSync(new URL('../fixtures/chime-meeting-events.md', import.meta.url), 'utf8');

/** The documented placeholders and the missing comma; nothing else is touched. */
export function repairDocumentedExample(text: string): string {
  return text
    .replace(/\{\{([^}]*)\}\}/g, '$1')
    .replace(/"resources": \[\]\n(\s*)"detail"/, '"resources": [],\n$1"detail"');
}

/** Every documented example, by the heading it sits under (e.g. "chime:AttendeeJoined"). */
export const DOCUMENTED_EVENTS: ReadonlyMap<string, { verbatim: string; event: Record<string, unknown> }> =
  new Map(
    [...FIXTURE.matchAll(/^## (.+)\n\n```\n([\s\S]*?)\n```/gm)].map((match) => {
      const verbatim = match[2] ?? '';
      return [match[1] ?? '', { verbatim, event: JSON.parse(repairDocumentedExample(verbatim)) }];
    }),
  );

type DetailOverrides = Record<string, unknown>;

/**
 * A documented example with its identifiers and time replaced, for scenarios with two attendees: the shape
 * stays exactly the documentation's.
 */
export function chimeEvent(eventType: string, detail: DetailOverrides, id?: string): Record<string, unknown> {
  const documented = DOCUMENTED_EVENTS.get(`chime:${eventType}`);
  if (!documented) throw new Error(`no documented example for ${eventType}`);
  const event = structuredClone(documented.event) as { detail: Record<string, unknown> } & Record<
    string,
    unknown
  >;
  event.region = 'eu-west-2';
  event.detail = { ...event.detail, mediaRegion: 'eu-west-2', ...detail };
  if (id) event.id = id;
  return event;
}
