import { accountApi } from '../../api/account';
import { asApiError } from '../../api/client';
import { LOCALE_NAMES, LOCALES, type Locale, setLocale, useLocale } from '../../i18n/locale';
import { defineMessages } from '../../i18n/messages';
import { FormStatus } from './FormStatus';
import { useAccountAction } from './useAccountAction';

const text = defineMessages({
  fr: {
    legend: "Langue de l'application et des e-mails",
    hint: 'Les e-mails (réservations, mot de passe) vous sont écrits dans cette langue.',
    saved: 'Langue enregistrée.',
  },
  en: {
    legend: 'Language of the app and the e-mails',
    hint: 'E-mails (bookings, password) are written to you in this language.',
    saved: 'Language saved.',
  },
});

interface LanguagePanelProps {
  onSessionLost(): void;
}

/**
 * French or English, for this browser at once and for the account on the server (e-mails follow
 * it). Each language is named in itself, so a person who cannot read the current one finds theirs.
 */
export function LanguagePanel({ onSessionLost }: LanguagePanelProps) {
  const locale = useLocale();
  const action = useAccountAction(onSessionLost);
  const t = text();

  async function choose(next: Locale) {
    if (next === locale) return;
    setLocale(next, { persist: true });
    await action.run(async () => {
      try {
        await accountApi.updateLocale(next);
      } catch (error) {
        // The app has switched already; only the e-mails' language waits for a retry.
        throw asApiError(error);
      }
      return text().saved;
    });
  }

  return (
    <fieldset class="language" data-testid="language-panel">
      <legend class="field__label">{t.legend}</legend>
      <div class="language__choices">
        {LOCALES.map((option) => (
          <label key={option} class={`language__choice ${option === locale ? 'is-current' : ''}`}>
            <input
              type="radio"
              name="language"
              value={option}
              checked={option === locale}
              onChange={() => void choose(option)}
              disabled={action.busy}
              data-testid={`language-${option}`}
            />
            <span lang={option}>{LOCALE_NAMES[option]}</span>
          </label>
        ))}
      </div>
      <p class="settings-form__hint">{t.hint}</p>
      <FormStatus error={action.error} done={action.done} testId="language" />
    </fieldset>
  );
}
