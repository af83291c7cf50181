interface StateTileProps {
  caption: string;
  label: string;
  /** Raw state, exposed as data-state and used for the colour. */
  state: string;
  tone: 'good' | 'alert' | 'neutral';
  testId?: string;
}

/** One fact about the locker: a caption and its current value. */
export function StateTile({ caption, label, state, tone, testId }: StateTileProps) {
  return (
    <div class={`tile tile--${tone}`}>
      <span class="tile__caption">{caption}</span>
      <strong class="tile__value" data-testid={testId} data-state={state}>
        {label}
      </strong>
    </div>
  );
}
