'use client';

import { useSyncExternalStore } from 'react';

const subscribe = () => () => undefined;

/**
 * False while the server renders and the browser hydrates, true afterwards. Text that depends on
 * the browser's clock or time zone waits for it, so the hydrated page matches the server's
 * (React error #418 otherwise).
 */
export function useIsHydrated(): boolean {
  return useSyncExternalStore(
    subscribe,
    () => true,
    () => false,
  );
}
