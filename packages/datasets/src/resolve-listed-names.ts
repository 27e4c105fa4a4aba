import { getBasename } from './path-parts';

export type NameResolution =
  { kind: 'found'; path: string } | { kind: 'missing' } | { kind: 'ambiguous'; matches: string[] };

/**
 * Finds the dataset file a CSV or list names. Names are tried relative to the CSV's folder
 * (fastai: `path/folder/name+suffix`), then from the dataset root, then by a unique ending
 * (`x.jpg` → `images/x.jpg`), because uploads often add or drop a top folder.
 */
export function createNameResolver(
  paths: string[],
  options: { baseFolder?: string; folder?: string; suffix?: string } = {},
): (name: string) => NameResolution {
  const known = new Set(paths);
  const byBasename = new Map<string, string[]>();
  for (const path of paths) {
    const base = getBasename(path);
    const sameName = byBasename.get(base);
    if (sameName) sameName.push(path);
    else byBasename.set(base, [path]);
  }
  const prefixes = [
    ...new Set([joinKey(options.baseFolder ?? '', options.folder ?? ''), options.folder ?? '', '']),
  ];
  return (rawName) => {
    const name = normaliseListedName(rawName) + (options.suffix ?? '');
    for (const prefix of prefixes) {
      const candidate = joinKey(prefix, name);
      if (known.has(candidate)) return { kind: 'found', path: candidate };
    }
    const matches = (byBasename.get(getBasename(name)) ?? []).filter(
      (path) => path === name || path.endsWith(`/${name}`),
    );
    if (matches.length === 1) return { kind: 'found', path: matches[0] as string };
    return matches.length === 0 ? { kind: 'missing' } : { kind: 'ambiguous', matches };
  };
}

/** `.\\train\\x.jpg` → `train/x.jpg`: the spellings people put in CSVs, matched against keys. */
function normaliseListedName(name: string): string {
  return name
    .trim()
    .replace(/\\/g, '/')
    .normalize('NFC')
    .split('/')
    .filter((segment) => segment !== '' && segment !== '.')
    .join('/');
}

function joinKey(a: string, b: string): string {
  return [a, b].filter((part) => part !== '').join('/');
}
