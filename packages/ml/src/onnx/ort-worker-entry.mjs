// Worker threads get no TypeScript loader for their entry file (see
// ../parallel/body-worker-entry.mjs); tsx's API loads the worker's TypeScript.
import { tsImport } from 'tsx/esm/api';

await tsImport('./ort-worker.ts', import.meta.url);
