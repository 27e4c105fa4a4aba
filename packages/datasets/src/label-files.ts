import { labelByCsv, type CsvLabelConfig } from './label-csv';
import { labelByFolder, type FolderLabelConfig, type SplitName } from './label-folder';
import { labelByList, type ListLabelConfig } from './label-list';
import type { RowProblem } from './label-listed-rows';
import type { LabelResult } from './label-result';
import { labelByRegex, type RegexLabelConfig } from './label-regex';
import { labelByRule, type RuleLabelConfig } from './label-rule';
import { labelByScript, type ScriptLabelConfig } from './label-script';

/** A labelling scheme as the UI stores it with a dataset version (fastai `ImageDataBunch.from_*`). */
export type LabelScheme =
  | ({ kind: 'folder' } & FolderLabelConfig)
  | ({ kind: 'csv' } & CsvLabelConfig)
  | ({ kind: 'regex' } & RegexLabelConfig)
  | ({ kind: 'rule' } & RuleLabelConfig)
  | ({ kind: 'script' } & ScriptLabelConfig)
  | ({ kind: 'list' } & ListLabelConfig);

/** Every scheme's result, with the extras some schemes add left optional. */
export interface AnyLabelResult extends LabelResult {
  folderSplit?: Map<string, SplitName>;
  missingFiles?: Array<{ line: number; name: string }>;
  problems?: RowProblem[];
}

/** Runs whichever scheme the user picked; async only because the script sandbox loads wasm. */
export async function labelFiles(paths: string[], scheme: LabelScheme): Promise<AnyLabelResult> {
  switch (scheme.kind) {
    case 'folder':
      return labelByFolder(paths, scheme);
    case 'csv':
      return labelByCsv(paths, scheme);
    case 'regex':
      return labelByRegex(paths, scheme);
    case 'rule':
      return labelByRule(paths, scheme);
    case 'script':
      return labelByScript(paths, scheme);
    case 'list':
      return labelByList(paths, scheme);
  }
}
