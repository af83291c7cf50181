/**
 * The screens the accessibility suite (axe, e2e/pwa.test.ts) and `npm run lighthouse` visit. A
 * screen is one entry: the lead's admin panel (issue 11) adds itself here and is audited by both.
 *
 * `as` says who looks at it: a visitor, a member (with the school locker paired when
 * `school`), or an administrator. `ready` is a test id present once the screen has rendered.
 */
export interface AuditedPage {
  name: string;
  path: string;
  as: 'visitor' | 'member' | 'school-member' | 'admin';
  ready: string;
  /** Also measured by `npm run lighthouse` (issue 12: landing, sign-in, dashboard, booking, admin). */
  lighthouse?: boolean;
}

export const AUDITED_PAGES: readonly AuditedPage[] = [
  { name: 'landing', path: '/', as: 'visitor', ready: 'landing', lighthouse: true },
  { name: 'sign-in', path: '/connexion', as: 'visitor', ready: 'signin-form', lighthouse: true },
  { name: 'sign-up', path: '/inscription', as: 'visitor', ready: 'signup-form' },
  { name: 'forgot-password', path: '/mot-de-passe-oublie', as: 'visitor', ready: 'forgot-form' },
  { name: 'not-found', path: '/nulle-part', as: 'visitor', ready: 'not-found' },
  { name: 'dashboard-pairing', path: '/', as: 'member', ready: 'pair-form' },
  { name: 'dashboard', path: '/', as: 'school-member', ready: 'school-booking', lighthouse: true },
  { name: 'booking', path: '/reserver', as: 'school-member', ready: 'booking-confirm', lighthouse: true },
  { name: 'checkout-return', path: '/reservation/retour', as: 'school-member', ready: 'checkout-status' },
  { name: 'history', path: '/historique', as: 'school-member', ready: 'history' },
  { name: 'settings', path: '/reglages', as: 'school-member', ready: 'language-panel' },
  { name: 'admin', path: '/admin', as: 'admin', ready: 'admin-overview', lighthouse: true },
  // The panel's other sections (issue 11), each at its own address.
  { name: 'admin-users', path: '/admin#utilisateurs', as: 'admin', ready: 'users-table' },
  { name: 'admin-lockers', path: '/admin#casiers', as: 'admin', ready: 'fleet-grid' },
  { name: 'admin-provisioning', path: '/admin#installation', as: 'admin', ready: 'locker-form' },
  { name: 'admin-revenue', path: '/admin#revenus', as: 'admin', ready: 'revenue-totals' },
  { name: 'admin-audit', path: '/admin#audit', as: 'admin', ready: 'audit-table' },
];
