import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  CHIME_EVENT_SOURCE,
  CHIME_MEETING_DETAIL_TYPE,
  type MeetingEvent,
} from '../../../layers/meetings/meeting-events';
import {
  type CreateMeetingInput,
  MeetingNotFoundError,
  MeetingRequestError,
} from '../../../layers/meetings/meeting-provider';
import { MediaRegionError } from '../../../layers/meetings/regions';
import { LocalMeetings } from './local-meetings';
import { createSignallingServer, SIGNALLING_PATH } from './signalling-server';

/** Where the local meeting service answers the meeting port's calls (layers/meetings/local-meetings-client.ts). */
export const MEETINGS_API_PATH = '/local/meetings/api';

/** A meeting event as EventBridge delivers Chime's to a rule's target: what the event function parses. */
export function chimeStateChange(event: MeetingEvent, mediaRegion?: string) {
  return {
    version: '0',
    id: event.eventId,
    'detail-type': CHIME_MEETING_DETAIL_TYPE,
    source: CHIME_EVENT_SOURCE,
    account: '000000000000',
    time: new Date(event.at).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: 'eu-west-2',
    resources: [],
    detail: {
      version: '0',
      eventType: `chime:${event.type}`,
      timestamp: event.at,
      meetingId: event.meetingId,
      ...(event.externalMeetingId ? { externalMeetingId: event.externalMeetingId } : {}),
      ...('attendeeId' in event ? { attendeeId: event.attendeeId } : {}),
      ...('externalUserId' in event && event.externalUserId ? { externalUserId: event.externalUserId } : {}),
      ...(mediaRegion ? { mediaRegion } : {}),
    },
  };
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : undefined;
}

function reply(res: ServerResponse, status: number, body?: unknown) {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(text);
}

export interface LocalMeetingService {
  meetings: LocalMeetings;
  /** The control API of the meeting port, mounted on the local origin. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  /** Every meeting event, in EventBridge's "Chime Meeting State Change" shape. */
  onStateChange(listener: (event: ReturnType<typeof chimeStateChange>) => void): void;
  /** What a network failure does to one attendee's connection (tests). */
  dropConnection(attendeeId: string): boolean;
  close(): Promise<void>;
}

/**
 * The stand-in for the Chime SDK meeting service on `npm start`: LocalMeetings holds the meetings (the same
 * rules as Chime: opaque ids, EU media regions, the patient waiting with every capability None), a WebSocket
 * signalling server relays SDP between the two browsers (media itself goes peer to peer), and a small JSON
 * API lets the functions' meeting adapter create, admit, remove and end over HTTP, as theirs does with Chime.
 * Meeting and attendee events come out in EventBridge's shape, for the same event function.
 */
export function createLocalMeetingService(options: { origin: string }): LocalMeetingService {
  const signallingUrl = `${options.origin.replace(/^http/, 'ws')}${SIGNALLING_PATH}`;
  const meetings = new LocalMeetings({ signallingUrl });
  const signalling = createSignallingServer({ meetings, allowedOrigins: [options.origin] });
  const listeners = new Set<(event: ReturnType<typeof chimeStateChange>) => void>();
  meetings.onMeetingEvent((event) => {
    const region = meetings.meeting(event.meetingId)?.mediaRegion;
    const delivered = chimeStateChange(event, region);
    for (const listener of listeners) listener(delivered);
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const parts = path.slice(MEETINGS_API_PATH.length).split('/').filter(Boolean).map(decodeURIComponent);
    try {
      if (req.method === 'POST' && parts.length === 1 && parts[0] === 'meetings') {
        return reply(res, 201, await meetings.createMeeting((await readJson(req)) as CreateMeetingInput));
      }
      const [resource, meetingId, sub, attendeeId, action] = parts;
      if (resource !== 'meetings' || !meetingId) return reply(res, 404, { code: 'NotFound' });
      if (req.method === 'DELETE' && parts.length === 2) {
        await meetings.endMeeting(meetingId);
        return reply(res, 204);
      }
      if (sub === 'attendees' && attendeeId) {
        if (req.method === 'POST' && action === 'admit' && parts.length === 5) {
          await meetings.admit(meetingId, attendeeId);
          return reply(res, 204);
        }
        if (req.method === 'DELETE' && parts.length === 4) {
          await meetings.removeAttendee(meetingId, attendeeId);
          return reply(res, 204);
        }
      }
      return reply(res, 404, { code: 'NotFound' });
    } catch (error) {
      if (error instanceof MeetingNotFoundError) return reply(res, 404, { code: 'NotFound' });
      if (
        error instanceof MeetingRequestError ||
        error instanceof MediaRegionError ||
        error instanceof SyntaxError
      ) {
        return reply(res, 400, { code: 'BadRequest', message: (error as Error).message });
      }
      throw error;
    }
  }

  return {
    meetings,
    handle,
    handleUpgrade: (req, socket, head) => signalling.handleUpgrade(req, socket, head),
    onStateChange: (listener) => {
      listeners.add(listener);
    },
    dropConnection: (attendeeId) => signalling.dropConnection(attendeeId),
    close: () => signalling.close(),
  };
}
