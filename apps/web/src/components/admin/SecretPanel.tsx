import { useEffect, useState } from 'preact/hooks';
import { type IssuedCredentials, stickerUrl } from '../../api/admin';
import { defineMessages } from '../../i18n/messages';
import { bundleFile, downloadFile } from './provisioningBundle';

const text = defineMessages({
  fr: {
    title: (id: string) => `Identifiants du casier ${id}`,
    warning:
      'Notez ou téléchargez ce secret maintenant : il ne sera plus jamais affiché. Le serveur n’en garde qu’une empreinte.',
    secret: 'Secret MQTT',
    copy: 'Copier le secret',
    copied: 'Secret copié.',
    copyFailed: 'Copie impossible ici : sélectionnez le secret et copiez-le à la main.',
    bundle: 'Fichier de configuration de l’agent (secret inclus)',
    downloadBundle: 'Télécharger la configuration (JSON)',
    downloaded: (name: string) => `Téléchargé : ${name}.`,
    qr: 'QR code de la configuration, à scanner au casier',
    qrAlt: (id: string) => `QR code de la configuration de l’agent ${id}`,
    noQr: 'Le serveur n’a pas fourni de QR code pour cette configuration : utilisez le fichier téléchargé.',
    stickers: 'Autocollant à poser sur le casier',
    stickerSvg: 'Autocollant (SVG)',
    stickerPdf: 'Autocollant (PDF)',
    done: 'J’ai enregistré le secret',
  },
  en: {
    title: (id: string) => `Credentials of locker ${id}`,
    warning:
      'Write down or download this secret now: it will never be shown again. The server keeps only a hash of it.',
    secret: 'MQTT secret',
    copy: 'Copy the secret',
    copied: 'Secret copied.',
    copyFailed: 'Copying is not possible here: select the secret and copy it by hand.',
    bundle: 'Agent configuration file (secret included)',
    downloadBundle: 'Download the configuration (JSON)',
    downloaded: (name: string) => `Downloaded: ${name}.`,
    qr: 'QR code of the configuration, to scan at the locker',
    qrAlt: (id: string) => `QR code of the agent configuration of ${id}`,
    noQr: 'The server gave no QR code for this configuration: use the downloaded file.',
    stickers: 'Sticker for the locker',
    stickerSvg: 'Sticker (SVG)',
    stickerPdf: 'Sticker (PDF)',
    done: 'I have saved the secret',
  },
});

interface SecretPanelProps {
  lockerId: string;
  issued: IssuedCredentials;
  onDismiss(): void;
}

/**
 * The one time a locker's secret is shown (after creating the locker or rotating its
 * credentials): the secret, its configuration file to download, its QR code, and the sticker.
 */
export function SecretPanel({ lockerId, issued, onDismiss }: SecretPanelProps) {
  const [feedback, setFeedback] = useState<string | null>(null);
  const [qrUrl, setQrUrl] = useState<string | null>(null);
  const t = text();
  const file = bundleFile(lockerId, issued.bundle);

  // The SVG as an image (a Blob URL the CSP allows), never as markup in the page.
  useEffect(() => {
    if (!issued.bundleQrSvg) return;
    const url = URL.createObjectURL(new Blob([issued.bundleQrSvg], { type: 'image/svg+xml' }));
    setQrUrl(url);
    return () => URL.revokeObjectURL(url);
  }, [issued.bundleQrSvg]);

  async function copy() {
    try {
      await navigator.clipboard.writeText(issued.secret);
      setFeedback(t.copied);
    } catch {
      setFeedback(t.copyFailed);
    }
  }

  return (
    <section class="frame frame--active admin-secret" aria-labelledby="secret-title" data-testid="secret-panel">
      <h2 class="section-title section-title--small" id="secret-title">
        {t.title(lockerId)}
      </h2>
      <p class="notice notice--premium" role="alert" data-testid="secret-warning">
        <strong class="notice__title">!</strong>
        {t.warning}
      </p>
      <p class="field__label">{t.secret}</p>
      <code class="admin-secret__value" data-testid="secret-value">
        {issued.secret}
      </code>
      <div class="admin-actions">
        <button type="button" class="btn btn--ghost btn--small" onClick={() => void copy()} data-testid="secret-copy">
          {t.copy}
        </button>
      </div>

      <h3 class="admin-subtitle">{t.bundle}</h3>
      <div class="admin-actions">
        <button
          type="button"
          class="btn btn--primary btn--small"
          onClick={() => {
            downloadFile({ fileName: file.fileName, type: file.type, text: file.text });
            setFeedback(t.downloaded(file.fileName));
          }}
          data-testid="bundle-download"
        >
          {t.downloadBundle}
        </button>
      </div>
      <p class="form-done admin-status" role="status" data-testid="secret-feedback">
        {feedback ?? ''}
      </p>

      <h3 class="admin-subtitle">{t.qr}</h3>
      {qrUrl ? (
        <img class="admin-secret__qr" src={qrUrl} alt={t.qrAlt(lockerId)} data-testid="bundle-qr" />
      ) : (
        <p class="settings-form__hint" data-testid="bundle-qr-missing">
          {t.noQr}
        </p>
      )}

      <h3 class="admin-subtitle">{t.stickers}</h3>
      <div class="admin-actions">
        <a class="btn btn--ghost btn--small" href={stickerUrl(lockerId, 'svg')} download data-testid="sticker-svg">
          {t.stickerSvg}
        </a>
        <a class="btn btn--ghost btn--small" href={stickerUrl(lockerId, 'pdf')} download data-testid="sticker-pdf">
          {t.stickerPdf}
        </a>
      </div>
      <button type="button" class="btn btn--ghost btn--block" onClick={onDismiss} data-testid="secret-dismiss">
        {t.done}
      </button>
    </section>
  );
}
