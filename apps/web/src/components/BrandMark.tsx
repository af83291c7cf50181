import { useId } from 'preact/hooks';

interface BrandMarkProps {
  size?: 'small' | 'large';
}

/**
 * The SmartLocker logo (the drawing of public/icon.svg, drawn inline: no request on the way to
 * the first paint, issue 12) and wordmark. Each copy names its own glow filter.
 */
export function BrandMark({ size = 'small' }: BrandMarkProps) {
  const glow = `brand-glow-${useId()}`;
  const side = size === 'large' ? 84 : 34;
  return (
    <div class={`brand brand--${size}`}>
      <svg class="brand__icon" viewBox="0 0 512 512" width={side} height={side} aria-hidden="true" focusable="false">
        <defs>
          <filter id={glow} x="-20%" y="-20%" width="140%" height="140%">
            <feGaussianBlur stdDeviation="9" result="blur" />
            <feMerge>
              <feMergeNode in="blur" />
              <feMergeNode in="SourceGraphic" />
            </feMerge>
          </filter>
        </defs>
        <rect width="512" height="512" fill="#040605" />
        <g fill="none" stroke="#39ff14" stroke-linejoin="miter" filter={`url(#${glow})`}>
          <path d="M140 68 H444 V372 L372 444 H68 V140 Z" stroke-width="22" />
          <path d="M176 124 H388 V336 L336 388 H124 V176 Z" stroke-width="10" fill="#39ff14" fill-opacity="0.1" />
          <path d="M196 178 H316 M196 208 H316 M196 238 H286" stroke-width="12" stroke-linecap="square" />
        </g>
        <g fill="#39ff14" filter={`url(#${glow})`}>
          <circle cx="256" cy="296" r="24" />
          <path d="M244 310 H268 L278 350 H234 Z" />
        </g>
      </svg>
      <span class="brand__word">
        SMART<span class="brand__accent">LOCKER</span>
      </span>
    </div>
  );
}
