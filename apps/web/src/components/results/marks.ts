import type { Correction } from '@studio/shared';

/** What a member marked an image for on the results page; none = leave it as it is. */
export type Mark = { action: 'relabel'; label: string } | { action: 'exclude' };
export type Marks = ReadonlyMap<string, Mark>;

/** How the grids change marks: set one (or clear it with null). */
export type SetMark = (fileId: string, mark: Mark | null) => void;

export function toCorrections(marks: Marks): Correction[] {
  return [...marks].map(([fileId, mark]) => ({ fileId, ...mark }));
}

/**
 * The card that should take focus after `key` in a grid of cards: arrows move by one, or by a
 * row (cards that share the first card's top edge make a row).
 */
export function neighbourCard(current: HTMLElement, key: string): HTMLElement | null {
  const grid = current.closest('[data-mark-grid]');
  if (!grid) return null;
  const cards = [...grid.querySelectorAll<HTMLElement>('[data-mark-card]')];
  const at = cards.indexOf(current);
  const cols = Math.max(1, cards.filter((c) => c.offsetTop === cards[0]!.offsetTop).length);
  const step = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -cols, ArrowDown: cols }[key];
  return step === undefined ? null : (cards[at + step] ?? null);
}
