import { stageSpec, type StageSpec } from '@studio/shared';
import { formatLr } from './format';

export type StageKind = StageSpec['kind'];

/**
 * A stage while it is being edited: every field of every kind, so switching the kind back and
 * forth keeps what was typed. `toStageSpec` turns it into the shared schema's shape.
 */
export interface StageDraft {
  kind: StageKind;
  epochs: number | string;
  lrMode: 'number' | 'slice';
  /** Learning rates stay text so `1e-6` reads as typed. */
  lr: string;
  lo: string;
  hi: string;
  name: string;
  /** fit_one_cycle: end on the best epoch's weights (fastai SaveModelCallback). */
  restoreBest: boolean;
}

export const STAGE_KINDS: { value: StageKind; label: string; help: string }[] = [
  {
    value: 'fit_one_cycle',
    label: 'fit_one_cycle — train',
    help: 'Trains for some epochs with the one-cycle schedule: lr warms up to max_lr then anneals, momentum does the opposite.',
  },
  {
    value: 'lr_find',
    label: 'lr_find — learning-rate finder',
    help: 'Tries learning rates from 1e-7 to 10 over 100 batches and plots the loss; weights are restored afterwards.',
  },
  {
    value: 'unfreeze',
    label: 'unfreeze — train every layer',
    help: 'Makes the pretrained body trainable too; use a smaller max_lr (a slice) afterwards.',
  },
  {
    value: 'freeze',
    label: 'freeze — train the head only',
    help: 'Freezes the body again except its BatchNorm layers, as a new learner starts.',
  },
  {
    value: 'save',
    label: 'save — name a checkpoint',
    help: 'Saves the weights under a name (like learn.save) so you can come back to them.',
  },
  {
    value: 'load',
    label: 'load — restore a checkpoint',
    help: 'Restores weights saved earlier, e.g. to undo a stage that made things worse.',
  },
];

export const emptyDraft = (kind: StageKind = 'fit_one_cycle'): StageDraft => ({
  kind,
  epochs: kind === 'fit_one_cycle' ? 1 : '',
  lrMode: 'number',
  lr: '3e-3',
  lo: '1e-6',
  hi: '1e-4',
  name: '',
  restoreBest: false,
});

export function toDraft(spec: StageSpec): StageDraft {
  const draft = emptyDraft(spec.kind);
  if (spec.kind === 'fit_one_cycle') {
    draft.epochs = spec.epochs;
    draft.restoreBest = spec.restoreBest === true;
    if (typeof spec.maxLr === 'number') draft.lr = formatLr(spec.maxLr);
    else {
      draft.lrMode = 'slice';
      draft.lo = spec.maxLr.lo === undefined ? '' : formatLr(spec.maxLr.lo);
      draft.hi = formatLr(spec.maxLr.hi);
    }
  }
  if (spec.kind === 'save' || spec.kind === 'load') draft.name = spec.name;
  return draft;
}

const toNumber = (value: number | string) =>
  String(value).trim() === '' ? undefined : Number(value);

/** The draft as a stage spec, or the first problem in words. */
export function toStageSpec(
  draft: StageDraft,
): { spec: StageSpec; error?: undefined } | { spec?: undefined; error: string } {
  let candidate: unknown = { kind: draft.kind };
  if (draft.kind === 'fit_one_cycle') {
    const maxLr =
      draft.lrMode === 'number'
        ? toNumber(draft.lr)
        : { lo: toNumber(draft.lo), hi: toNumber(draft.hi) };
    const rates = draft.lrMode === 'number' ? [draft.lr] : [draft.lo, draft.hi];
    if (rates.some((r) => Number.isNaN(toNumber(r))))
      return { error: 'max_lr: write a number such as 3e-3 or 0.003.' };
    candidate = {
      kind: draft.kind,
      epochs: toNumber(draft.epochs),
      maxLr,
      ...(draft.restoreBest ? { restoreBest: true } : {}),
    };
  } else if (draft.kind === 'save' || draft.kind === 'load') {
    candidate = { kind: draft.kind, name: draft.name.trim() };
  }
  const parsed = stageSpec.safeParse(candidate);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { error: `${issue.path.join('.') || 'stage'}: ${issue.message}` };
  }
  if (parsed.data.kind === 'fit_one_cycle' && typeof parsed.data.maxLr === 'object') {
    const { lo, hi } = parsed.data.maxLr;
    if (lo !== undefined && lo > hi)
      return {
        error: 'max_lr: in slice(lo, hi) the first layers get lo, so lo must not exceed hi.',
      };
  }
  return { spec: parsed.data };
}
