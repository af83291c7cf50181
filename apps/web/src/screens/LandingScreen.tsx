import { BrandMark } from '../components/BrandMark';
import { LanguageSwitch } from '../components/LanguageSwitch';
import { defineMessages } from '../i18n/messages';

const text = defineMessages({
  fr: {
    title: 'Votre casier, depuis votre téléphone',
    lead: "SmartLocker ouvre les casiers connectés de votre école ou de votre salle de sport : réservez un créneau à l'heure, ou ouvrez librement avec Premium.",
    how: 'Comment ça marche',
    step1: 'Créez votre compte en une minute, avec votre e-mail ou Google.',
    step2: 'Scannez le QR code collé sur le casier, ou saisissez le code imprimé dessous.',
    step3: "Réservez et payez un créneau (5,00 € l'heure) ou démarrez une session sport, puis touchez « Ouvrir ».",
    safe: 'Alertes en direct si la porte est forcée, et le casier reste sûr même sans réseau.',
    signup: 'Créer un compte',
    signin: "J'ai déjà un compte",
  },
  en: {
    title: 'Your locker, from your phone',
    lead: 'SmartLocker opens the connected lockers of your school or gym: book a slot by the hour, or open freely with Premium.',
    how: 'How it works',
    step1: 'Create your account in a minute, with your e-mail or Google.',
    step2: 'Scan the QR code stuck on the locker, or type the code printed under it.',
    step3: 'Book and pay for a slot (€5.00 an hour) or start a sport session, then tap “Open”.',
    safe: 'Live alerts if the door is forced, and the locker stays safe even without network.',
    signup: 'Create an account',
    signin: 'I already have an account',
  },
});

interface LandingScreenProps {
  onSignUp(): void;
  onSignIn(): void;
}

/** What a signed-out visitor sees first: what SmartLocker is and how to start. */
export function LandingScreen({ onSignUp, onSignIn }: LandingScreenProps) {
  const t = text();
  return (
    <div class="page landing" data-testid="landing">
      <header class="app-header">
        <BrandMark />
        <LanguageSwitch />
      </header>
      <main class="page__main landing__main">
        <section class="landing__hero" aria-labelledby="landing-title">
          <h1 class="landing__title" id="landing-title">
            {t.title}
          </h1>
          <p class="landing__lead">{t.lead}</p>
          <div class="landing__actions">
            <button
              type="button"
              class="btn btn--primary btn--block btn--large"
              data-testid="landing-signup"
              onClick={onSignUp}
            >
              {t.signup}
            </button>
            <button type="button" class="btn btn--ghost btn--block" data-testid="landing-signin" onClick={onSignIn}>
              {t.signin}
            </button>
          </div>
        </section>
        <section class="frame landing__how" aria-labelledby="landing-how">
          <h2 class="section-title section-title--small" id="landing-how">
            {t.how}
          </h2>
          <ol class="landing__steps">
            <li>{t.step1}</li>
            <li>{t.step2}</li>
            <li>{t.step3}</li>
          </ol>
          <p class="landing__safe">{t.safe}</p>
        </section>
      </main>
    </div>
  );
}
