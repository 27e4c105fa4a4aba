// Worker threads do not get a TypeScript loader for their entry file: Node 20 does not apply
// `--import tsx` (inherited from `node --import tsx` or the tsx CLI) to it, and vitest compiles
// TypeScript in its own runner only. tsx's API loads the worker's TypeScript in every case.
import { tsImport } from 'tsx/esm/api';

await tsImport('./body-worker.ts', import.meta.url);
