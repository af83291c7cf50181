import { LOCALE_NAMES, LOCALES, setLocale, useLocale } from '../i18n/locale';
import { defineMessages } from '../i18n/messages';

const text = defineMessages({ fr: { label: 'Langue' }, en: { label: 'Language' } });

/**
 * FR | EN before signing in (Settings has the same choice for the account). The other
 * language's button names it in itself, with its own `lang`.
 */
export function LanguageSwitch() {
  const locale = useLocale();
  return (
    <nav class="language-switch" aria-label={text().label}>
      {LOCALES.map((option) => (
        <button
          key={option}
          type="button"
          class="language-switch__option"
          lang={option}
          aria-pressed={option === locale}
          data-testid={`switch-${option}`}
          onClick={() => setLocale(option, { persist: true })}
        >
          {option.toUpperCase()}
          <span class="visually-hidden"> {LOCALE_NAMES[option]}</span>
        </button>
      ))}
    </nav>
  );
}
