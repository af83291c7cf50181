import { type MutableRef, useEffect, useRef } from 'preact/hooks';

/** `current` stays true until the component unmounts: answers that arrive later are dropped. */
export function useMounted(): MutableRef<boolean> {
  const mounted = useRef(true);
  useEffect(
    () => () => {
      mounted.current = false;
    },
    [],
  );
  return mounted;
}
