import { vi } from 'vitest';

/**
 * The web app's unit tests are written for its default language, French (ADR 10). The app picks
 * its language from `navigator.languages`; Node 21+ has a `navigator` of its own that says the
 * machine's language (en-US here), and Node 20 has none. A French browser for every unit test,
 * so they read the same on either runtime; tests of the language choice set their own.
 */
vi.stubGlobal('navigator', { language: 'fr-BE', languages: ['fr-BE', 'fr'] });
