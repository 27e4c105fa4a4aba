/** The last segment of a key: `a/b/c.jpg` → `c.jpg`. */
export function getBasename(key: string): string {
  const slash = key.lastIndexOf('/');
  return slash === -1 ? key : key.slice(slash + 1);
}

/** The folder part of a key without the trailing slash: `a/b/c.jpg` → `a/b`, `c.jpg` → ``. */
export function getDirname(key: string): string {
  const slash = key.lastIndexOf('/');
  return slash === -1 ? '' : key.slice(0, slash);
}

/** The lower-case extension with its dot: `x.JPG` → `.jpg`, `README` → ``. */
export function getExtension(key: string): string {
  const base = getBasename(key);
  const dot = base.lastIndexOf('.');
  return dot <= 0 ? '' : base.slice(dot).toLowerCase();
}

/** `c.tar.gz` → `c.tar`, `c.jpg` → `c`, `.hidden` → `.hidden`. */
export function stripExtension(name: string): string {
  const dot = name.lastIndexOf('.');
  const slash = name.lastIndexOf('/');
  return dot <= slash + 1 ? name : name.slice(0, dot);
}

/** Sorts by UTF-16 code units, like Python's `sorted`, independent of the host locale. */
export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
