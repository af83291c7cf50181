import type { ComponentChildren } from 'preact';
import { defineMessages } from '../../i18n/messages';

const text = defineMessages({
  fr: {
    pages: 'Pages',
    previous: 'Précédente',
    next: 'Suivante',
    page: (page: number, pages: number) => `Page ${page} sur ${pages}`,
  },
  en: {
    pages: 'Pages',
    previous: 'Previous',
    next: 'Next',
    page: (page: number, pages: number) => `Page ${page} of ${pages}`,
  },
});

interface SelectFieldProps {
  label: string;
  name: string;
  value: string;
  options: ReadonlyArray<{ value: string; label: string }>;
  onChange(value: string): void;
  testId: string;
  disabled?: boolean;
}

/** A labelled native select (keyboard and screen readers as the platform does them). */
export function SelectField(props: SelectFieldProps) {
  const id = `field-${props.name}`;
  return (
    <div class="field admin-field">
      <label class="field__label" for={id}>
        {props.label}
      </label>
      <select
        id={id}
        name={props.name}
        class="admin-select"
        value={props.value}
        disabled={props.disabled}
        onChange={(event) => props.onChange(event.currentTarget.value)}
        data-testid={props.testId}
      >
        {props.options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
    </div>
  );
}

interface PagerProps {
  page: number;
  pageSize: number;
  total: number;
  onPage(page: number): void;
  testId: string;
}

/** Previous / next over the server's pages, with where we are in words. */
export function Pager({ page, pageSize, total, onPage, testId }: PagerProps) {
  const pages = Math.max(1, Math.ceil(total / pageSize));
  const t = text();
  return (
    <nav class="admin-pager" aria-label={t.pages} data-testid={testId}>
      <button
        type="button"
        class="btn btn--ghost btn--small"
        disabled={page <= 1}
        onClick={() => onPage(page - 1)}
        data-testid={`${testId}-previous`}
      >
        {t.previous}
      </button>
      <span class="admin-pager__where" aria-live="polite">
        {t.page(Math.min(page, pages), pages)}
      </span>
      <button
        type="button"
        class="btn btn--ghost btn--small"
        disabled={page >= pages}
        onClick={() => onPage(page + 1)}
        data-testid={`${testId}-next`}
      >
        {t.next}
      </button>
    </nav>
  );
}

/** A polite live region: what an action just did, read out once. Renders nothing when empty. */
export function StatusLine({ message, testId }: { message: string | null; testId: string }) {
  return (
    <p class="form-done admin-status" role="status" data-testid={testId}>
      {message ?? ''}
    </p>
  );
}

/** A labelled value of a card (`dt`/`dd`). */
export function Fact({
  label,
  children,
  testId,
  state,
}: {
  label: string;
  children: ComponentChildren;
  testId?: string;
  state?: string;
}) {
  return (
    <div class="admin-fact">
      <dt>{label}</dt>
      <dd data-testid={testId} data-state={state}>
        {children}
      </dd>
    </div>
  );
}

/**
 * A wide table's own scrolling frame: the page never scrolls sideways on a phone, the table does,
 * and a keyboard can scroll it too (focusable, WCAG 2.1.1), named after the table's heading.
 */
export function ScrollRegion({ labelledBy, children }: { labelledBy: string; children: ComponentChildren }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must take focus to be scrolled by keyboard.
    <section class="admin-table-scroll" tabIndex={0} aria-labelledby={labelledBy}>
      {children}
    </section>
  );
}
