import { z } from 'zod';

/** How labels are derived from file paths: the studio's `ImageDataBunch.from_*`. */
export const labellingConfig = z.discriminatedUnion('scheme', [
  z.object({ scheme: z.literal('folder') }),
  z.object({
    scheme: z.literal('regex'),
    pattern: z.string().min(1).max(500),
    target: z.enum(['name', 'path']).default('path'),
  }),
  z.object({
    scheme: z.literal('csv'),
    csvPath: z.string().min(1).default('labels.csv'),
    fileColumn: z.union([z.string().min(1), z.number().int().min(0)]),
    labelColumn: z.union([z.string().min(1), z.number().int().min(0)]),
    labelDelimiter: z.string().max(5).optional(),
  }),
  z.object({
    scheme: z.literal('rule'),
    steps: z.array(z.record(z.string(), z.unknown())).max(20).optional(),
    code: z.string().max(10_000).optional(),
  }),
  z.object({ scheme: z.literal('list'), text: z.string().max(20_000_000) }),
]);
export type LabellingConfig = z.infer<typeof labellingConfig>;

export const splitConfig = z.object({
  useFolderSplit: z.boolean().default(true),
  validPct: z.number().min(0.01).max(0.9).default(0.2),
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .default(42),
  /** The same validation share of every class; off gives fastai's plain random split. */
  stratified: z.boolean().default(true),
});
export type SplitConfig = z.infer<typeof splitConfig>;

export const versionRequest = z.object({ labelling: labellingConfig, split: splitConfig });
export type VersionRequest = z.infer<typeof versionRequest>;
