import {
  buildLabelResult,
  type Label,
  type LabelResult,
  type UnlabelledFile,
} from './label-result';

export type SplitName = 'train' | 'valid' | 'test';

/** fastai `from_folder`: the parent folder is the label; train/valid folders give the split. */
export interface FolderLabelConfig {
  /** Folder names meaning "training set". Default `['train']`. */
  trainFolders?: string[];
  /** Folder names meaning "validation set". Default `['valid', 'validation', 'val']`. */
  validFolders?: string[];
  /** Folder names meaning "test set" (labelled if in class folders, never trained on). Default `['test']`. */
  testFolders?: string[];
}

export interface FolderLabelResult extends LabelResult {
  /** The split each labelled file's folders put it in; files outside split folders are absent. */
  folderSplit: Map<string, SplitName>;
}

/**
 * Labels a file by its parent folder (`dress/x.jpg` → dress). A split folder anywhere above
 * the class folder sets the split, so `clothing-small/train/dress/x.jpg` is a training dress.
 * Names are compared case-insensitively (`Train/`, `VALID/` occur in real uploads).
 */
export function labelByFolder(paths: string[], config: FolderLabelConfig = {}): FolderLabelResult {
  const splitByFolder = new Map<string, SplitName>();
  const addFolders = (names: string[], split: SplitName): void =>
    names.forEach((name) => splitByFolder.set(name.toLowerCase(), split));
  addFolders(config.trainFolders ?? ['train'], 'train');
  addFolders(config.validFolders ?? ['valid', 'validation', 'val'], 'valid');
  addFolders(config.testFolders ?? ['test'], 'test');

  const labels = new Map<string, Label>();
  const unlabelled: UnlabelledFile[] = [];
  const folderSplit = new Map<string, SplitName>();
  for (const path of paths) {
    const folders = path.split('/').slice(0, -1);
    const parent = folders.at(-1);
    if (parent === undefined) {
      unlabelled.push({
        path,
        reason: 'not inside a folder: put each image in a folder named after its class',
      });
      continue;
    }
    if (splitByFolder.has(parent.toLowerCase())) {
      unlabelled.push({
        path,
        reason: `directly inside the split folder "${parent}": put it in a class folder, e.g. ${parent}/<class>/`,
      });
      continue;
    }
    labels.set(path, parent);
    // The nearest split folder above the class folder wins (`data/train/old/valid/cat` is unusual but unambiguous).
    for (let i = folders.length - 2; i >= 0; i--) {
      const split = splitByFolder.get((folders[i] as string).toLowerCase());
      if (split) {
        folderSplit.set(path, split);
        break;
      }
    }
  }
  return { ...buildLabelResult(labels, unlabelled), folderSplit };
}
