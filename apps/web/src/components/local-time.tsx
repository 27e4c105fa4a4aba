'use client';

import { formatDateTime } from './runs/format';
import { useIsHydrated } from './use-is-hydrated';

/** A time in the reader's time zone; the server and hydration render it in UTC. */
export function LocalTime({ iso }: { iso: string }) {
  const isHydrated = useIsHydrated();
  return (
    <time dateTime={iso}>
      {isHydrated ? formatDateTime(iso) : `${iso.slice(0, 16).replace('T', ' ')} UTC`}
    </time>
  );
}
