/**
 * Why the camera could not be used, as a stable code the scanner turns into words
 * (getUserMedia's DOMException names, Media Capture and Streams §10).
 */
export type CameraProblem = 'camera_denied' | 'camera_missing' | 'camera_busy' | 'camera_unsupported' | 'camera_failed';

export function cameraProblemOf(error: unknown): CameraProblem {
  const name = typeof error === 'object' && error !== null && 'name' in error ? String(error.name) : '';
  switch (name) {
    case 'NotAllowedError':
    case 'PermissionDeniedError':
    case 'SecurityError':
      return 'camera_denied';
    case 'NotFoundError':
    case 'DevicesNotFoundError':
    case 'OverconstrainedError':
      return 'camera_missing';
    case 'NotReadableError':
    case 'TrackStartError':
    case 'AbortError':
      return 'camera_busy';
    case 'TypeError':
      return 'camera_unsupported';
    default:
      return 'camera_failed';
  }
}

/** Whether this browser can ask for a camera at all (it needs a secure context). */
export function cameraSupported(): boolean {
  return typeof navigator !== 'undefined' && typeof navigator.mediaDevices?.getUserMedia === 'function';
}

/** Whether a video track can switch its torch (Image Capture's `torch` constraint). */
export function torchSupported(track: MediaStreamTrack | null): boolean {
  if (!track || typeof track.getCapabilities !== 'function') return false;
  return (track.getCapabilities() as { torch?: boolean }).torch === true;
}
