/** The anchor of a heading of `docs/`, as "more" links name it: "Batch size" → "batch-size". */
export function headingSlug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9 -]/g, '')
    .trim()
    .replace(/\s+/g, '-');
}
