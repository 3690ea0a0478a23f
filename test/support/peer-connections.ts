import type { Page } from 'playwright-core';

/**
 * Keeps every RTCPeerConnection a page makes within reach of `peerConnections`, with the signalling and
 * ICE-gathering states it went through: the browser tests' and the bench's, not the app's. Call before `goto`.
 */
export async function recordPeerConnections(page: Page) {
  await page.addInitScript(() => {
    const Native = window.RTCPeerConnection;
    const made: RTCPeerConnection[] = [];
    (window as unknown as { __peerConnections: RTCPeerConnection[] }).__peerConnections = made;
    window.RTCPeerConnection = class extends Native {
      constructor(configuration?: RTCConfiguration) {
        super(configuration);
        made.push(this);
        const states: string[] = [];
        (this as unknown as { __states: string[] }).__states = states;
        this.addEventListener('signalingstatechange', () => states.push(this.signalingState));
        this.addEventListener('icegatheringstatechange', () =>
          states.push(`gathering:${this.iceGatheringState}`),
        );
      }
    };
  });
}

/**
 * What a page's peer connections saw, for a failure's message (not for measuring). No named helpers inside:
 * the page runs this function's source, without the helpers tsx adds around named functions.
 */
export const peerConnections = (page: Page) =>
  page.evaluate(async () => {
    const made = (window as unknown as { __peerConnections?: RTCPeerConnection[] }).__peerConnections ?? [];
    return Promise.all(
      made.map(async (pc) => {
        const stats = await pc.getStats().catch(() => undefined);
        const rtp: Record<string, unknown>[] = [];
        const candidates = { local: 0, remote: 0 };
        for (const report of stats?.values() ?? []) {
          if (report.type === 'local-candidate') candidates.local += 1;
          if (report.type === 'remote-candidate') candidates.remote += 1;
          if (report.type === 'inbound-rtp' || report.type === 'outbound-rtp')
            rtp.push({
              type: report.type,
              kind: report.kind,
              packets: report.packetsReceived ?? report.packetsSent,
              frames: report.framesDecoded ?? report.framesEncoded,
            });
        }
        const candidateLines = [pc.localDescription?.sdp, pc.remoteDescription?.sdp].map(
          (sdp) => (sdp ?? '').split('\n').filter((line) => line.startsWith('a=candidate')).length,
        );
        return {
          connection: pc.connectionState,
          ice: pc.iceConnectionState,
          gathering: pc.iceGatheringState,
          signaling: pc.signalingState,
          history: (pc as unknown as { __states?: string[] }).__states ?? [],
          candidates,
          candidateLines: { local: candidateLines[0], remote: candidateLines[1] },
          transceivers: pc
            .getTransceivers()
            .map((t) => `${t.mid}:${t.currentDirection}:${t.sender.track?.kind ?? 'none'}`),
          rtp,
        };
      }),
    );
  });
