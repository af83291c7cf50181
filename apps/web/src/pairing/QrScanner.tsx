import { useEffect, useRef, useState } from 'preact/hooks';
import { defineMessages } from '../i18n/messages';
import { type CameraProblem, cameraProblemOf, cameraSupported, torchSupported } from './cameraErrors';
import { pairingCodeFromQr } from './qrContent';
import { createQrDecoder, type QrDecoder } from './qrDecoder';

const text = defineMessages({
  fr: {
    title: 'Scanner le QR code du casier',
    starting: 'Ouverture de la caméra…',
    aim: 'Visez le QR code collé sur le casier.',
    found: (code: string) => `QR code lu : ${code}`,
    notOurs: "Ce QR code n'est pas celui d'un casier SmartLocker. Visez celui du casier.",
    torchOn: 'Allumer la lampe',
    torchOff: 'Éteindre la lampe',
    close: 'Fermer la caméra',
    video: 'Image de la caméra',
    camera_denied:
      'Accès à la caméra refusé. Autorisez-la pour ce site dans les réglages du navigateur, ou saisissez le code imprimé sous le QR code.',
    camera_missing: 'Aucune caméra trouvée sur cet appareil. Saisissez le code imprimé sous le QR code.',
    camera_busy: 'La caméra est utilisée par une autre application. Fermez-la, puis réessayez.',
    camera_unsupported: 'Ce navigateur ne donne pas accès à la caméra ici. Saisissez le code imprimé sous le QR code.',
    camera_failed: "La caméra n'a pas pu démarrer. Réessayez, ou saisissez le code imprimé sous le QR code.",
    decoder_failed: "Le lecteur de QR code n'a pas pu se charger. Saisissez le code imprimé sous le QR code.",
  },
  en: {
    title: 'Scan the locker’s QR code',
    starting: 'Opening the camera…',
    aim: 'Aim at the QR code stuck on the locker.',
    found: (code: string) => `QR code read: ${code}`,
    notOurs: 'This QR code is not a SmartLocker locker’s. Aim at the locker’s one.',
    torchOn: 'Turn the light on',
    torchOff: 'Turn the light off',
    close: 'Close the camera',
    video: 'Camera view',
    camera_denied:
      'Camera access refused. Allow it for this site in the browser’s settings, or type the code printed under the QR code.',
    camera_missing: 'No camera found on this device. Type the code printed under the QR code.',
    camera_busy: 'The camera is used by another app. Close it, then try again.',
    camera_unsupported: 'This browser gives no access to the camera here. Type the code printed under the QR code.',
    camera_failed: 'The camera could not start. Try again, or type the code printed under the QR code.',
    decoder_failed: 'The QR code reader could not load. Type the code printed under the QR code.',
  },
});

/** How often a frame is decoded: enough to feel instant, light on a phone's battery. */
const SCAN_INTERVAL_MS = 200;

type Phase =
  | { kind: 'starting' }
  | { kind: 'scanning'; decoder: QrDecoder['kind'] }
  | { kind: 'failed'; problem: CameraProblem | 'decoder_failed' };

interface QrScannerProps {
  /** A locker's pairing code was read; the camera is already released. */
  onCode(code: string): void;
  onClose(): void;
}

/**
 * The Scan step of pairing (SPEC §4): the rear camera, a frame decoded every 200 ms, the torch
 * where the phone has one. Every problem says what to do instead; the typed code stays one tap
 * away (the form under the scanner).
 */
export function QrScanner({ onCode, onClose }: QrScannerProps) {
  const video = useRef<HTMLVideoElement>(null);
  const [phase, setPhase] = useState<Phase>({ kind: 'starting' });
  const [track, setTrack] = useState<MediaStreamTrack | null>(null);
  const [torch, setTorch] = useState(false);
  const [foreign, setForeign] = useState(false);
  const onCodeRef = useRef(onCode);
  onCodeRef.current = onCode;
  const t = text();

  useEffect(() => {
    let stopped = false;
    let stream: MediaStream | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const release = () => {
      stopped = true;
      clearTimeout(timer);
      for (const each of stream?.getTracks() ?? []) each.stop();
    };

    void (async () => {
      if (!cameraSupported()) {
        setPhase({ kind: 'failed', problem: 'camera_unsupported' });
        return;
      }
      try {
        stream = await navigator.mediaDevices.getUserMedia({
          video: { facingMode: { ideal: 'environment' }, width: { ideal: 1280 }, height: { ideal: 720 } },
          audio: false,
        });
      } catch (error) {
        if (!stopped) setPhase({ kind: 'failed', problem: cameraProblemOf(error) });
        return;
      }
      if (stopped) {
        release();
        return;
      }
      const element = video.current;
      if (!element) return;
      element.srcObject = stream;
      await element.play().catch((error: unknown) => console.info('camera preview did not autoplay', error));
      setTrack(stream.getVideoTracks()[0] ?? null);
      let decoder: QrDecoder;
      try {
        decoder = await createQrDecoder();
      } catch (error) {
        console.warn('QR decoder unavailable', error);
        if (!stopped) setPhase({ kind: 'failed', problem: 'decoder_failed' });
        release();
        return;
      }
      if (stopped) return;
      setPhase({ kind: 'scanning', decoder: decoder.kind });
      const scan = async () => {
        if (stopped) return;
        if (element.readyState >= HTMLMediaElement.HAVE_CURRENT_DATA) {
          try {
            for (const raw of await decoder.detect(element)) {
              const code = pairingCodeFromQr(raw);
              if (code) {
                release();
                onCodeRef.current(code);
                return;
              }
              setForeign(true);
            }
          } catch (error) {
            console.info('a camera frame could not be decoded', error);
          }
        }
        timer = setTimeout(() => void scan(), SCAN_INTERVAL_MS);
      };
      void scan();
    })();
    return release;
  }, []);

  async function toggleTorch() {
    if (!track) return;
    const next = !torch;
    try {
      await track.applyConstraints({ advanced: [{ torch: next } as MediaTrackConstraintSet] });
      setTorch(next);
    } catch (error) {
      console.info('torch could not be switched', error);
    }
  }

  const failed = phase.kind === 'failed';
  return (
    <section class="scanner" aria-labelledby="scanner-title" data-testid="qr-scanner" data-state={phase.kind}>
      <h3 class="scanner__title" id="scanner-title">
        {t.title}
      </h3>
      {!failed && (
        <div class="scanner__view">
          <video
            ref={video}
            class="scanner__video"
            muted
            playsInline
            aria-label={t.video}
            data-testid="qr-video"
            data-decoder={phase.kind === 'scanning' ? phase.decoder : undefined}
          />
          <div class="scanner__frame" aria-hidden="true" />
        </div>
      )}
      <p class={failed ? 'form-error' : 'scanner__hint'} role={failed ? 'alert' : 'status'} data-testid="qr-status">
        {phase.kind === 'failed'
          ? t[phase.problem]
          : phase.kind === 'starting'
            ? t.starting
            : foreign
              ? t.notOurs
              : t.aim}
      </p>
      <div class="scanner__actions">
        {torchSupported(track) && (
          <button
            type="button"
            class="btn btn--ghost btn--small"
            aria-pressed={torch}
            data-testid="qr-torch"
            onClick={() => void toggleTorch()}
          >
            {torch ? t.torchOff : t.torchOn}
          </button>
        )}
        <button type="button" class="btn btn--ghost btn--small" data-testid="qr-close" onClick={onClose}>
          {t.close}
        </button>
      </div>
    </section>
  );
}
