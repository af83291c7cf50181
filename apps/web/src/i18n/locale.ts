import { useEffect, useState } from 'preact/hooks';

/**
 * The app's language (issue 12, ADR 0010): French by default, as the seed, and English. Chosen
 * from the browser's preferred languages on a first visit, changed in Settings, kept in this
 * browser (localStorage) and on the server (the account's `locale`, so e-mails follow it).
 */
export const LOCALES = ['fr', 'en'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'fr';

/** The BCP 47 tag each language formats dates, times and money with (Belgian sites first). */
export const INTL_TAGS: Readonly<Record<Locale, string>> = { fr: 'fr-BE', en: 'en-GB' };

/** The language's own name, shown in the switch whatever the current language is. */
export const LOCALE_NAMES: Readonly<Record<Locale, string>> = { fr: 'Français', en: 'English' };

const STORAGE_KEY = 'smartlocker.locale';

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

/** The first supported language among `tags` (e.g. `navigator.languages`), by primary subtag. */
export function matchLocale(tags: readonly string[]): Locale {
  for (const tag of tags) {
    const primary = tag.trim().toLowerCase().split(/[-_]/)[0];
    if (isLocale(primary)) return primary;
  }
  return DEFAULT_LOCALE;
}

function storedLocale(): Locale | null {
  try {
    const value = globalThis.localStorage?.getItem(STORAGE_KEY);
    return isLocale(value) ? value : null;
  } catch {
    // Storage can be refused (private mode, blocked cookies): the browser's language then decides.
    return null;
  }
}

function browserLocale(): Locale {
  const nav = (globalThis as { navigator?: { languages?: readonly string[]; language?: string } }).navigator;
  if (!nav) return DEFAULT_LOCALE;
  return matchLocale(nav.languages?.length ? nav.languages : nav.language ? [nav.language] : []);
}

type Listener = (locale: Locale) => void;
const listeners = new Set<Listener>();
let current: Locale = storedLocale() ?? browserLocale();

function applyToDocument(locale: Locale): void {
  if (typeof document !== 'undefined') document.documentElement.lang = locale;
}
applyToDocument(current);

export function currentLocale(): Locale {
  return current;
}

/** The tag for `Intl` formatters in the current language. */
export function intlTag(): string {
  return INTL_TAGS[current];
}

/** Switches the language; `persist` keeps it in this browser for the next visits. */
export function setLocale(next: Locale, options: { persist?: boolean } = {}): void {
  if (options.persist) {
    try {
      globalThis.localStorage?.setItem(STORAGE_KEY, next);
    } catch (error) {
      console.info('language not kept in this browser', error);
    }
  }
  if (next === current) return;
  current = next;
  applyToDocument(next);
  for (const listener of listeners) listener(next);
}

/** A stored choice made in this browser, if any (it wins over the account's until changed). */
export function hasStoredLocale(): boolean {
  return storedLocale() !== null;
}

export function onLocaleChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/**
 * The current language, re-rendering the component when it changes. The app's root uses it, so
 * a switch re-renders every screen (no component of this app skips a parent's render).
 */
export function useLocale(): Locale {
  const [locale, setState] = useState(current);
  useEffect(() => {
    setState(current);
    return onLocaleChange(setState);
  }, []);
  return locale;
}
