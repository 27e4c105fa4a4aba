import { z } from 'zod';

// Uploaded backbones: a person's own tfjs LayersModel, stored as blobs and chosen for a run by
// the arch "uploaded:<id>". These schemas read the UploadedBackbone row's JSON columns.

export const UPLOADED_ARCH_PREFIX = 'uploaded:';

/** The run arch that trains from the uploaded backbone with this id. */
export const uploadedArch = (backboneId: string) => `${UPLOADED_ARCH_PREFIX}${backboneId}`;

export const uploadedArchId = z
  .string()
  .regex(
    /^uploaded:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
    'An uploaded backbone is chosen as "uploaded:" followed by its id (a UUID).',
  );

/** The backbone id of an "uploaded:<id>" arch, or null for a registry architecture. */
export function uploadedBackboneIdOf(arch: string): string | null {
  return uploadedArchId.safeParse(arch).success ? arch.slice(UPLOADED_ARCH_PREFIX.length) : null;
}

const channelTriple = z.tuple([z.number(), z.number(), z.number()]);

/** Per-channel mean and std applied to pixels in [0, 1]: (x - mean) / std. */
export const backboneNormalization = z.object({
  mean: channelTriple,
  std: z.tuple([z.number().positive(), z.number().positive(), z.number().positive()]),
});
export type BackboneNormalization = z.infer<typeof backboneNormalization>;

/** The usual input conventions of pretrained image models, for people who do not know theirs. */
export const NORMALIZATION_PRESETS = {
  unit: { label: '[0, 1] (pixels / 255)', stats: { mean: [0, 0, 0], std: [1, 1, 1] } },
  symmetric: {
    label: '[-1, 1] (MobileNet, Inception, Teachable Machine)',
    stats: { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] },
  },
  imagenet: {
    label: 'ImageNet mean/std (torchvision, fastai)',
    stats: { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
  },
} as const satisfies Record<string, { label: string; stats: BackboneNormalization }>;
export type NormalizationPreset = keyof typeof NORMALIZATION_PRESETS;
export const DEFAULT_NORMALIZATION_PRESET: NormalizationPreset = 'unit';

/** Input [height, width, channels] without the batch axis; null sides accept any size. */
export const backboneInputShape = z.tuple([
  z.number().int().positive().nullable(),
  z.number().int().positive().nullable(),
  z.literal(3),
]);

export const backboneFile = z.object({
  name: z.string().min(1),
  blobKey: z.string().min(1),
  bytes: z.number().int().nonnegative(),
});
export const backboneFiles = z.array(backboneFile).min(1);
export type BackboneFile = z.infer<typeof backboneFile>;

/** An uploaded backbone as the API lists it. */
export interface UploadedBackboneSummary {
  id: string;
  arch: string;
  name: string;
  bytes: number;
  files: string[];
  inputShape: [number | null, number | null, 3];
  normalization: BackboneNormalization;
  cutLayer: string;
  createdAt: string;
  /** Runs that train from it; it cannot be deleted while this is above 0. */
  runCount: number;
}
