import type { CreatedMeeting, CreateMeetingInput, MeetingProvider } from './meeting-provider';
import {
  MeetingNotFoundError,
  MeetingRequestError,
  MeetingServiceUnavailableError,
} from './meeting-provider';

/**
 * Local adapter of the meeting port: the local meeting service's JSON API on the local origin
 * (infra/local/meetings/meeting-service.ts), which keeps Chime's rules. Used only on the local stage.
 */
export class LocalMeetingsClient implements MeetingProvider {
  constructor(private readonly baseUrl: string) {}

  async createMeeting(input: CreateMeetingInput): Promise<CreatedMeeting> {
    return (await this.call('POST', '/meetings', input)) as CreatedMeeting;
  }

  async admit(meetingId: string, attendeeId: string): Promise<void> {
    await this.call(
      'POST',
      `/meetings/${encodeURIComponent(meetingId)}/attendees/${encodeURIComponent(attendeeId)}/admit`,
    );
  }

  async removeAttendee(meetingId: string, attendeeId: string): Promise<void> {
    await this.call(
      'DELETE',
      `/meetings/${encodeURIComponent(meetingId)}/attendees/${encodeURIComponent(attendeeId)}`,
      undefined,
      true,
    );
  }

  async endMeeting(meetingId: string): Promise<void> {
    await this.call('DELETE', `/meetings/${encodeURIComponent(meetingId)}`, undefined, true);
  }

  private async call(method: string, path: string, body?: unknown, goneIsFine = false): Promise<unknown> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(5_000),
      });
    } catch {
      throw new MeetingServiceUnavailableError('the local meeting service is not answering');
    }
    if (response.status === 404) {
      if (goneIsFine) return undefined;
      throw new MeetingNotFoundError('the meeting or attendee no longer exists');
    }
    if (response.status === 400) {
      const { message } = (await response.json()) as { message?: string };
      throw new MeetingRequestError(message ?? 'the meeting service refused the request');
    }
    if (!response.ok)
      throw new MeetingServiceUnavailableError(`the local meeting service answered ${response.status}`);
    return response.status === 204 ? undefined : response.json();
  }
}
