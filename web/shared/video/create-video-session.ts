import type { VideoConfig } from '../runtime-config';
import type { VideoSession } from './video-session';

/**
 * The video session the runtime config asks for. Both implementations are loaded with `import()`, so neither
 * is in a page's first JavaScript: the Chime SDK (~315 KB gzipped) becomes its own chunk, fetched only once
 * the patient's code has been accepted and this is called.
 */
export async function createVideoSession(video: VideoConfig | undefined): Promise<VideoSession> {
  if (!video) throw new Error('config.video is missing: this deployment has no video service configured');
  if (video.provider === 'chime') {
    const { ChimeSession } = await import('./chime-session');
    return new ChimeSession();
  }
  const { LocalWebRtcSession } = await import('./local-webrtc-session');
  return new LocalWebRtcSession(video.signallingUrl ? { signallingUrl: video.signallingUrl } : {});
}
