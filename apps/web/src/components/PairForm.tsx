import type { FunctionComponent } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, asApiError } from '../api/client';
import { messageFor } from '../api/errorMessages';
import type { LockerView } from '../api/types';
import { defineMessages } from '../i18n/messages';
import type { QrScanner as QrScannerComponent } from '../pairing/QrScanner';
import { FormError } from './FormError';
import { TextField } from './TextField';

const text = defineMessages({
  fr: {
    title: 'Associer un casier',
    scanHelp: 'Scannez le QR code collé sur le casier, ou saisissez le code imprimé dessous, par exemple',
    scan: 'Scanner le QR code',
    loadingScanner: 'Chargement du lecteur…',
    or: 'ou saisissez le code',
    label: 'Code du casier',
    busy: 'Association…',
    submit: 'Associer',
    fromLink: (code: string) => `Code ${code} reçu par le QR code : touchez « Associer » pour confirmer.`,
    scanned: (code: string) => `QR code lu : ${code}. Association…`,
  },
  en: {
    title: 'Pair a locker',
    scanHelp: 'Scan the QR code stuck on the locker, or type the code printed under it, for example',
    scan: 'Scan the QR code',
    loadingScanner: 'Loading the reader…',
    or: 'or type the code',
    label: 'Locker code',
    busy: 'Pairing…',
    submit: 'Pair',
    fromLink: (code: string) => `Code ${code} received from the QR code: tap “Pair” to confirm.`,
    scanned: (code: string) => `QR code read: ${code}. Pairing…`,
  },
});

interface PairFormProps {
  onPaired(locker: LockerView): void;
  onSessionLost(): void;
  /** A code from a `/p/<CODE>` deep link: filled in, waiting for the person's confirmation. */
  initialCode?: string | null;
}

/** Codes are printed in capitals (SL-SPORT-01); phones often type them in lower case. */
function normaliseCode(raw: string): string {
  return raw.trim().replace(/\s+/g, '').toUpperCase();
}

type Scanner = FunctionComponent<Parameters<typeof QrScannerComponent>[0]>;

/**
 * "Associer un casier" (SPEC §4): scan the locker's QR code with the camera, or type the code
 * printed on it. The typed code is always there, whatever the camera does.
 */
export function PairForm({ onPaired, onSessionLost, initialCode }: PairFormProps) {
  const [code, setCode] = useState(initialCode ?? '');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [scanner, setScanner] = useState<Scanner | null>(null);
  const [loadingScanner, setLoadingScanner] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const submitRef = useRef<HTMLButtonElement>(null);
  const t = text();

  useEffect(() => {
    if (!initialCode) return;
    setCode(initialCode);
    setNotice(text().fromLink(initialCode));
    submitRef.current?.focus();
  }, [initialCode]);

  async function pair(raw: string) {
    const normalised = normaliseCode(raw);
    if (!normalised) {
      setError(messageFor('missing_code'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const { locker } = await api.pair(normalised);
      onPaired(locker);
    } catch (failure) {
      const { code: errorCode } = asApiError(failure);
      if (errorCode === 'unauthenticated') onSessionLost();
      setError(messageFor(errorCode));
      setNotice(null);
      setBusy(false);
    }
  }

  async function openScanner() {
    setError(null);
    setLoadingScanner(true);
    try {
      const { QrScanner } = await import('../pairing/QrScanner');
      setScanner(() => QrScanner);
    } catch (failure) {
      console.warn('scanner not loaded', failure);
      setError(messageFor('network_error'));
    } finally {
      setLoadingScanner(false);
    }
  }

  const ScannerView = scanner;
  return (
    <form
      class="frame frame--active pair"
      data-testid="pair-form"
      onSubmit={(event) => {
        event.preventDefault();
        void pair(code);
      }}
      noValidate
    >
      <h2 class="section-title">{t.title}</h2>
      <p class="pair__help">
        {t.scanHelp} <code class="pair__example">SL-SPORT-01</code>.
      </p>
      {ScannerView ? (
        <ScannerView
          onCode={(scanned) => {
            setScanner(null);
            setCode(scanned);
            setNotice(text().scanned(scanned));
            void pair(scanned);
          }}
          onClose={() => setScanner(null)}
        />
      ) : (
        <button
          type="button"
          class="btn btn--primary btn--block btn--large"
          data-testid="pair-scan"
          onClick={() => void openScanner()}
          disabled={busy || loadingScanner}
        >
          <svg class="btn__icon" viewBox="0 0 24 24" aria-hidden="true">
            <path
              d="M3 8V3h5M16 3h5v5M21 16v5h-5M8 21H3v-5M7 7h4v4H7zM13 13h4v4h-4zM13 7h4M7 17h4"
              fill="none"
              stroke="currentColor"
              stroke-width="2"
            />
          </svg>
          {loadingScanner ? t.loadingScanner : t.scan}
        </button>
      )}
      <p class="pair__or" aria-hidden="true">
        {t.or}
      </p>
      <TextField
        label={t.label}
        name="pair-code"
        value={code}
        onInput={setCode}
        testId="pair-code"
        placeholder="SL-XXXX-00"
        autoCapitalize="characters"
        autoComplete="off"
        disabled={busy}
      />
      {notice && (
        <p class="pair__notice" role="status" data-testid="pair-notice">
          {notice}
        </p>
      )}
      <FormError message={error} testId="pair-error" />
      <button ref={submitRef} type="submit" class="btn btn--ghost btn--block" data-testid="pair-submit" disabled={busy}>
        {busy ? t.busy : t.submit}
      </button>
    </form>
  );
}
