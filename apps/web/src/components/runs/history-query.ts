/** The filters and order of the run history, as a shareable /runs query string. */
import { z } from 'zod';

export const RUN_STATUSES = ['draft', 'queued', 'running', 'done', 'failed', 'cancelled'] as const;

/** How many runs the compare page shows side by side. */
export const COMPARE_LIMITS = { min: 2, max: 6 } as const;

/** A comma-separated query value (`?status=done,failed`), also accepted when repeated. */
export const listParam = (value: string | string[] | undefined) =>
  [value ?? []]
    .flat()
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);

const historyQuery = z.object({
  dataset: z.string().optional().catch(undefined),
  arch: z.string().optional().catch(undefined),
  /** The id of the person who started the runs. */
  person: z.string().optional().catch(undefined),
  tag: z.string().optional().catch(undefined),
  status: z.array(z.enum(RUN_STATUSES)).catch([]),
  sort: z.enum(['created', 'error']).catch('created'),
  dir: z.enum(['asc', 'desc']).catch('desc'),
  /** Archived runs only, instead of the runs in use. */
  archived: z.boolean().catch(false),
});
export type HistoryFilters = z.infer<typeof historyQuery>;

/** The filters of a shared /runs link; anything unreadable falls back to "all runs, newest first". */
export function parseHistoryQuery(query: Record<string, string | string[] | undefined>) {
  const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) || undefined;
  return historyQuery.parse({
    dataset: first(query.dataset),
    arch: first(query.arch),
    person: first(query.person),
    tag: first(query.tag),
    status: listParam(query.status).filter((s) => (RUN_STATUSES as readonly string[]).includes(s)),
    sort: first(query.sort),
    dir: first(query.dir),
    archived: first(query.archived) === '1',
  });
}

/** The /runs link of these filters, leaving defaults out so the plain list stays `/runs`. */
export function historyHref(filters: HistoryFilters): string {
  const query = new URLSearchParams();
  if (filters.dataset) query.set('dataset', filters.dataset);
  if (filters.arch) query.set('arch', filters.arch);
  if (filters.person) query.set('person', filters.person);
  if (filters.tag) query.set('tag', filters.tag);
  if (filters.status.length) query.set('status', filters.status.join(','));
  if (filters.sort !== 'created') query.set('sort', filters.sort);
  if (filters.dir !== 'desc') query.set('dir', filters.dir);
  if (filters.archived) query.set('archived', '1');
  const text = query.toString();
  return text ? `/runs?${text}` : '/runs';
}

export const isFiltered = (filters: HistoryFilters) =>
  Boolean(
    filters.dataset ||
    filters.arch ||
    filters.person ||
    filters.tag ||
    filters.status.length ||
    filters.archived,
  );

export const withoutFilters = (filters: HistoryFilters): HistoryFilters => ({
  ...filters,
  dataset: undefined,
  arch: undefined,
  person: undefined,
  tag: undefined,
  status: [],
  archived: false,
});
