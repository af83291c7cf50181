interface BrandMarkProps {
  size?: 'small' | 'large';
}

/** The SmartLocker logo and wordmark. */
export function BrandMark({ size = 'small' }: BrandMarkProps) {
  return (
    <div class={`brand brand--${size}`}>
      <img
        class="brand__icon"
        src="/icon.svg"
        alt=""
        width={size === 'large' ? 84 : 34}
        height={size === 'large' ? 84 : 34}
      />
      <span class="brand__word">
        SMART<span class="brand__accent">LOCKER</span>
      </span>
    </div>
  );
}
