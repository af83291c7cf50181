import { currentLocale, type Locale } from './locale';

/**
 * Typed message catalogs (ADR 0010). Each feature declares its messages next to its code, French
 * first; the English catalog must have exactly the same keys, and a message with parameters is a
 * function with the same parameters in both languages — a missing or extra key is a type error.
 *
 * ```ts
 * const text = defineMessages({
 *   fr: { title: 'Réglages', saved: (name: string) => `${name} enregistré.` },
 *   en: { title: 'Settings', saved: (name: string) => `${name} saved.` },
 * });
 * text().title; // in the current language
 * ```
 */
// biome-ignore lint/suspicious/noExplicitAny: a message's parameters are whatever the French one declares.
export type MessageValue = string | ((...args: any[]) => string);
export type Messages = Readonly<Record<string, MessageValue>>;

/** The English (or any other) side of a catalog: the French keys, strings as strings, same functions. */
export type Translation<M extends Messages> = { readonly [K in keyof M]: M[K] extends string ? string : M[K] };

export interface Catalog<M extends Messages> {
  /** The messages in the current language. */
  (): Translation<M>;
  /** The messages in one language (tests, the server's copy of a text, the language switch). */
  readonly in: (locale: Locale) => Translation<M>;
}

const catalogs: Array<{ fr: Messages; en: Messages }> = [];

export function defineMessages<M extends Messages>(catalog: { fr: M; en: NoInfer<Translation<M>> }): Catalog<M> {
  catalogs.push(catalog);
  // The French catalog is its own translation: its strings are strings, its functions the same.
  const byLocale: Record<Locale, Translation<M>> = { fr: catalog.fr as Translation<M>, en: catalog.en };
  const read = () => byLocale[currentLocale()];
  return Object.assign(read, { in: (locale: Locale) => byLocale[locale] });
}

/** Every catalog defined so far (a unit test checks none has an empty message). */
export function definedCatalogs(): ReadonlyArray<{ fr: Messages; en: Messages }> {
  return catalogs;
}
