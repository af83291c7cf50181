import { Component, type ComponentChildren } from 'preact';
import { defineMessages } from '../i18n/messages';
import { BrandMark } from './BrandMark';

const text = defineMessages({
  fr: {
    title: 'Un problème est survenu',
    text: "L'application a rencontré une erreur inattendue. Votre casier n'est pas affecté : rechargez la page pour reprendre.",
    reload: 'Recharger',
  },
  en: {
    title: 'Something went wrong',
    text: 'The app ran into an unexpected error. Your locker is not affected: reload the page to go on.',
    reload: 'Reload',
  },
});

interface ErrorBoundaryProps {
  children: ComponentChildren;
}

/** The error screen: a render that throws shows this instead of a blank page. */
export class ErrorBoundary extends Component<ErrorBoundaryProps, { failed: boolean }> {
  override state = { failed: false };

  override componentDidCatch(error: unknown): void {
    console.error('the app failed to render', error);
    this.setState({ failed: true });
  }

  override render() {
    if (!this.state.failed) return this.props.children;
    const t = text();
    return (
      <main class="startup" data-testid="error-screen">
        <BrandMark size="large" />
        <h1 class="section-title">{t.title}</h1>
        <p class="form-error" role="alert">
          {t.text}
        </p>
        <button type="button" class="btn btn--primary" onClick={() => window.location.reload()}>
          {t.reload}
        </button>
      </main>
    );
  }
}
