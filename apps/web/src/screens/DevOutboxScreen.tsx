import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { accountApi, type OutboxMessage } from '../api/account';
import { asApiError } from '../api/client';
import { messageForError } from '../api/errorMessages';
import { BrandMark } from '../components/BrandMark';
import { FormError } from '../components/FormError';
import { formatDateTime } from '../i18n/format';
import { defineMessages } from '../i18n/messages';

const text = defineMessages({
  fr: {
    unavailable: "La boîte mail de démo n'existe qu'en mode démo, quand aucun serveur SMTP n'est configuré.",
    back: 'Retour',
    title: 'Boîte mail de démo',
    lead: "Sans serveur SMTP, les e-mails (réinitialisation du mot de passe, confirmation d'adresse) arrivent ici. Ouvrez le lien d'un message pour le suivre.",
    refreshing: 'Actualisation…',
    refresh: 'Actualiser',
    empty: 'Aucun message pour le moment.',
    to: (to: string) => `À : ${to}`,
  },
  en: {
    unavailable: 'The demo mailbox exists only in demo mode, when no SMTP server is configured.',
    back: 'Back',
    title: 'Demo mailbox',
    lead: 'Without an SMTP server, e-mails (password reset, address confirmation) arrive here. Open a message’s link to follow it.',
    refreshing: 'Refreshing…',
    refresh: 'Refresh',
    empty: 'No message yet.',
    to: (to: string) => `To: ${to}`,
  },
});

interface DevOutboxScreenProps {
  onBack(): void;
}

const URL_PATTERN = /https?:\/\/[^\s<>"')\]]+/g;

/** The message's text with every URL turned into a link that opens in this tab. */
function linkified(text: string): ComponentChildren[] {
  const parts: ComponentChildren[] = [];
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    const start = match.index ?? 0;
    if (start > last) parts.push(text.slice(last, start));
    parts.push(
      <a class="outbox__link" href={match[0]} data-testid="outbox-link" key={start}>
        {match[0]}
      </a>,
    );
    last = start + match[0].length;
  }
  if (last < text.length) parts.push(text.slice(last));
  return parts;
}

function sentAtLabel(iso: string): string {
  return formatDateTime(iso);
}

/**
 * /boite-mail (demo mode): the e-mails the server would have sent without SMTP configured —
 * reset and confirmation links included — so a demo needs no mail server.
 */
export function DevOutboxScreen({ onBack }: DevOutboxScreenProps) {
  const [messages, setMessages] = useState<OutboxMessage[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const t = text();

  const refresh = useCallback(async () => {
    setBusy(true);
    setError(null);
    try {
      const list = await accountApi.outbox();
      setMessages([...list].sort((a, b) => b.sentAt.localeCompare(a.sentAt)));
    } catch (failure) {
      const apiError = asApiError(failure);
      setError(apiError.status === 404 ? text().unavailable : messageForError(apiError));
    } finally {
      setBusy(false);
    }
  }, []);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  return (
    <div class="page">
      <header class="app-header">
        <BrandMark />
        <button type="button" class="btn btn--ghost btn--small" data-testid="outbox-back" onClick={onBack}>
          {t.back}
        </button>
      </header>
      <main class="page__main">
        <section class="frame frame--active" aria-labelledby="outbox-title">
          <h1 class="section-title" id="outbox-title">
            {t.title}
          </h1>
          <p class="page__lead">{t.lead}</p>
          <button
            type="button"
            class="btn btn--ghost btn--small"
            data-testid="outbox-refresh"
            onClick={() => void refresh()}
            disabled={busy}
          >
            {busy ? t.refreshing : t.refresh}
          </button>
        </section>

        <FormError message={error} testId="outbox-error" />

        {messages?.length === 0 && (
          <p class="page__empty" data-testid="outbox-empty">
            {t.empty}
          </p>
        )}
        <ol class="outbox" data-testid="outbox-list">
          {messages?.map((message) => (
            <li key={message.id} class="frame outbox__message" data-testid="outbox-message">
              <header class="outbox__head">
                <h2 class="outbox__subject">{message.subject}</h2>
                <p class="outbox__meta">
                  <span>{t.to(message.to)}</span>
                  {message.sentAt && <time dateTime={message.sentAt}>{sentAtLabel(message.sentAt)}</time>}
                </p>
              </header>
              <p class="outbox__text">{linkified(message.text)}</p>
            </li>
          ))}
        </ol>
      </main>
    </div>
  );
}
