interface FormErrorProps {
  message: string | null;
  testId: string;
}

/** An error line under a form or an action; renders nothing without a message. */
export function FormError({ message, testId }: FormErrorProps) {
  if (!message) return null;
  return (
    <p class="form-error" role="alert" data-testid={testId}>
      {message}
    </p>
  );
}
