import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { defineMessages } from '../../i18n/messages';
import { FormError } from '../FormError';

const text = defineMessages({
  fr: {
    reason: 'Motif (obligatoire, gardé dans le journal d’audit)',
    reasonMissing: 'Indiquez un motif : il est gardé dans le journal d’audit.',
    reasonTooLong: 'Le motif fait 500 caractères au plus.',
    cancel: 'Annuler',
    working: 'En cours…',
  },
  en: {
    reason: 'Reason (required, kept in the audit trail)',
    reasonMissing: 'Give a reason: it is kept in the audit trail.',
    reasonTooLong: 'The reason is 500 characters at most.',
    cancel: 'Cancel',
    working: 'Working…',
  },
});

export const REASON_MAX = 500;

interface ConfirmDialogProps {
  title: string;
  /** What will happen, in words. */
  children?: ComponentChildren;
  confirmLabel: string;
  /** A destructive action: the confirm button reads as one. */
  danger?: boolean;
  /** Ask for the reason every admin action is audited with (docs/admin-api.md). Default true. */
  withReason?: boolean;
  /** Runs the action; a rejection's message is shown in the dialog, which stays open. */
  onConfirm(reason: string): Promise<void>;
  /** The person cancelled (button, Escape) or the action is done. */
  onClose(): void;
  /** Turns a failure into words (the admin error table). */
  describeError(failure: unknown): string | null;
  testId: string;
}

/**
 * A modal confirmation (the native `<dialog>` in modal mode: the page behind is inert, focus
 * stays inside, Escape cancels), with the reason the audit trail keeps. Focus goes back to the
 * control that opened it.
 */
export function ConfirmDialog(props: ConfirmDialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const withReason = props.withReason ?? true;
  const t = text();
  const titleId = `${props.testId}-title`;

  useEffect(() => {
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => {
      if (dialog?.open) dialog.close();
      // Back to where the person was, if it is still on the page.
      if (opener?.isConnected) opener.focus();
    };
  }, []);

  async function confirm(event: Event) {
    event.preventDefault();
    const trimmed = reason.trim();
    if (withReason && trimmed === '') {
      setError(t.reasonMissing);
      return;
    }
    if (trimmed.length > REASON_MAX) {
      setError(t.reasonTooLong);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await props.onConfirm(trimmed);
    } catch (failure) {
      setError(props.describeError(failure));
      setBusy(false);
    }
  }

  return (
    <dialog
      ref={ref}
      class="admin-dialog"
      aria-labelledby={titleId}
      data-testid={props.testId}
      onCancel={(event) => {
        // Escape: close, unless the action is already on its way.
        event.preventDefault();
        if (!busy) props.onClose();
      }}
    >
      <form class="admin-dialog__body" onSubmit={(event) => void confirm(event)} aria-busy={busy} noValidate>
        <h2 class="section-title section-title--small" id={titleId}>
          {props.title}
        </h2>
        <div class="admin-dialog__text">{props.children}</div>
        {withReason && (
          <div class="field">
            <label class="field__label" for={`${props.testId}-reason`}>
              {t.reason}
            </label>
            <div class="field__box">
              <textarea
                id={`${props.testId}-reason`}
                class="field__input admin-dialog__reason"
                rows={3}
                maxLength={REASON_MAX}
                aria-required="true"
                value={reason}
                onInput={(event) => setReason(event.currentTarget.value)}
                data-testid="confirm-reason"
                // The reason is what the person has to type: start there.
                autofocus
              />
            </div>
          </div>
        )}
        <FormError message={error} testId="confirm-error" />
        <div class="admin-dialog__actions">
          <button
            type="button"
            class="btn btn--ghost btn--small"
            onClick={props.onClose}
            disabled={busy}
            data-testid="confirm-cancel"
          >
            {t.cancel}
          </button>
          <button
            type="submit"
            class={`btn btn--small ${props.danger ? 'btn--danger' : 'btn--primary'}`}
            disabled={busy}
            data-testid="confirm-submit"
          >
            {busy ? t.working : props.confirmLabel}
          </button>
        </div>
      </form>
    </dialog>
  );
}
