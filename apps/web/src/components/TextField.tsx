interface TextFieldProps {
  label: string;
  name: string;
  type?: 'text' | 'email' | 'password' | 'date';
  value: string;
  onInput(value: string): void;
  testId: string;
  autoComplete?: string;
  placeholder?: string;
  autoCapitalize?: 'off' | 'characters' | 'words';
  disabled?: boolean;
  /** Bounds of a date field (`YYYY-MM-DD`). */
  min?: string;
  max?: string;
}

/** A labelled input in an angular frame that lights up on focus. */
export function TextField(props: TextFieldProps) {
  const id = `field-${props.name}`;
  return (
    <div class="field">
      <label class="field__label" for={id}>
        {props.label}
      </label>
      <div class="field__box">
        <input
          id={id}
          class="field__input"
          name={props.name}
          type={props.type ?? 'text'}
          value={props.value}
          onInput={(event) => props.onInput(event.currentTarget.value)}
          data-testid={props.testId}
          autoComplete={props.autoComplete}
          placeholder={props.placeholder}
          autoCapitalize={props.autoCapitalize}
          spellcheck={false}
          disabled={props.disabled}
          min={props.min}
          max={props.max}
        />
      </div>
    </div>
  );
}
