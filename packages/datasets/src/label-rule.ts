import { DatasetError } from './errors';
import {
  buildLabelResult,
  type Label,
  type LabelResult,
  type UnlabelledFile,
} from './label-result';
import { getBasename, stripExtension } from './path-parts';

/**
 * One step of a declarative rule (fastai `from_name_func` without running user code).
 * Steps apply in order to a text that starts as the file's dataset path.
 */
export type RuleStep =
  /** `images/Abyssinian_1.jpg` → `Abyssinian_1.jpg`. */
  | { op: 'basename' }
  /** `Abyssinian_1.jpg` → `Abyssinian_1`. */
  | { op: 'stripExtension' }
  /** Split on a literal separator and keep part N (negative counts from the end) or parts [from, to) rejoined. */
  | { op: 'split'; separator: string; take: number | [number, number] }
  | { op: 'lowercase' }
  | { op: 'uppercase' }
  /** Replace every occurrence of a literal text. */
  | { op: 'replace'; find: string; replaceWith: string }
  /** Look the text up in a table; without `otherwise`, a text not in the table leaves the file unlabelled. */
  | { op: 'map'; table: Record<string, string>; otherwise?: string }
  /** The pets lesson: cat breeds are capitalised (`Abyssinian_1`), dog breeds are not (`beagle_7`). */
  | { op: 'isUppercaseFirst'; then: string; else: string };

export interface RuleLabelConfig {
  steps: RuleStep[];
}

type StepOutcome = string | { reason: string };

/** Labels files with a rule: every step is a plain string operation, so nothing user-written runs. */
export function labelByRule(paths: string[], config: RuleLabelConfig): LabelResult {
  validateRule(config);
  const labels = new Map<string, Label>();
  const unlabelled: UnlabelledFile[] = [];
  for (const path of paths) {
    let value: StepOutcome = path;
    for (const [index, step] of config.steps.entries()) {
      value = applyStep(step, value);
      if (typeof value !== 'string') {
        value = { reason: `step ${index + 1} (${step.op}): ${value.reason}` };
        break;
      }
    }
    if (typeof value !== 'string') unlabelled.push({ path, reason: value.reason });
    else if (value.trim() === '')
      unlabelled.push({ path, reason: 'the rule produced an empty label' });
    else labels.set(path, value);
  }
  return buildLabelResult(labels, unlabelled);
}

function applyStep(step: RuleStep, value: string): StepOutcome {
  switch (step.op) {
    case 'basename':
      return getBasename(value);
    case 'stripExtension':
      return stripExtension(value);
    case 'lowercase':
      return value.toLowerCase();
    case 'uppercase':
      return value.toUpperCase();
    case 'replace':
      return value.split(step.find).join(step.replaceWith);
    case 'split':
      return takeParts(value, step.separator, step.take);
    case 'map':
      if (Object.hasOwn(step.table, value)) return step.table[value] as string;
      return step.otherwise ?? { reason: `${JSON.stringify(value)} is not in the table` };
    case 'isUppercaseFirst': {
      const first = value.charAt(0);
      return first !== first.toLowerCase() && first === first.toUpperCase() ? step.then : step.else;
    }
  }
}

function takeParts(value: string, separator: string, take: number | [number, number]): StepOutcome {
  const parts = value.split(separator);
  const at = (n: number): number => (n < 0 ? parts.length + n : n);
  if (typeof take === 'number') {
    const part = parts[at(take)];
    return (
      part ?? {
        reason: `split by ${JSON.stringify(separator)} gives ${parts.length} part${parts.length === 1 ? '' : 's'}; part ${take} does not exist`,
      }
    );
  }
  const picked = parts.slice(at(take[0]), at(take[1]));
  return picked.length > 0
    ? picked.join(separator)
    : {
        reason: `split by ${JSON.stringify(separator)} gives ${parts.length} parts; parts [${take[0]}, ${take[1]}) are empty`,
      };
}

const KNOWN_OPS = new Set([
  'basename',
  'stripExtension',
  'split',
  'lowercase',
  'uppercase',
  'replace',
  'map',
  'isUppercaseFirst',
]);

/** The web validates with zod; this guards the worker and other callers against a malformed rule. */
function validateRule(config: RuleLabelConfig): void {
  const fail = (index: number, problem: string): never => {
    throw new DatasetError(
      'RULE_INVALID',
      `Rule step ${index + 1} is invalid: ${problem}. Fix that step or remove it.`,
      { step: index + 1 },
    );
  };
  if (!Array.isArray(config.steps) || config.steps.length === 0) {
    throw new DatasetError(
      'RULE_INVALID',
      'The rule has no steps. Add at least one step, e.g. basename then isUppercaseFirst.',
      {},
    );
  }
  config.steps.forEach((step, index) => {
    if (!KNOWN_OPS.has(step?.op))
      fail(
        index,
        `unknown operation ${JSON.stringify(step?.op)}; expected one of ${[...KNOWN_OPS].join(', ')}`,
      );
    if (step.op === 'split') {
      if (typeof step.separator !== 'string' || step.separator === '')
        fail(index, 'split needs a non-empty separator');
      const indices = typeof step.take === 'number' ? [step.take] : step.take;
      if (!Array.isArray(indices) || !indices.every(Number.isInteger))
        fail(index, `take must be a whole number or [from, to], got ${JSON.stringify(step.take)}`);
    }
    if (step.op === 'replace' && (typeof step.find !== 'string' || step.find === ''))
      fail(index, 'replace needs a non-empty text to find');
    if (step.op === 'map' && (typeof step.table !== 'object' || step.table === null))
      fail(index, 'map needs a table of text → label');
  });
}
