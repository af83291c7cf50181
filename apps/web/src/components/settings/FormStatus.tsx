import { FormError } from '../FormError';

interface FormStatusProps {
  error: string | null;
  done: string | null;
  /** Prefix of the two test ids: `<testId>-error` and `<testId>-done`. */
  testId: string;
}

/** Under a settings form: what went wrong, or a confirmation. */
export function FormStatus({ error, done, testId }: FormStatusProps) {
  return (
    <>
      <FormError message={error} testId={`${testId}-error`} />
      {done && !error && (
        <p class="form-done" role="status" data-testid={`${testId}-done`}>
          {done}
        </p>
      )}
    </>
  );
}
