import { parentPort, workerData } from 'node:worker_threads';
import { DatasetError } from './errors';
import { runLabelScript, type ScriptLabelConfig } from './label-script-quickjs';

/** What the worker thread sends back: plain data, since errors and Maps do not cross threads intact. */
export type ScriptWorkerReply =
  | {
      ok: true;
      labels: Array<[string, string | string[]]>;
      unlabelled: Array<{ path: string; reason: string }>;
    }
  | { ok: false; code?: DatasetError['code']; message: string; details?: Record<string, unknown> };

const { paths, config } = workerData as { paths: string[]; config: ScriptLabelConfig };
let reply: ScriptWorkerReply;
try {
  const result = await runLabelScript(paths, config);
  reply = { ok: true, labels: [...result.labels], unlabelled: result.unlabelled };
} catch (error) {
  reply =
    error instanceof DatasetError
      ? { ok: false, code: error.code, message: error.message, details: { ...error.details } }
      : { ok: false, message: String((error as Error)?.message ?? error) };
}
parentPort?.postMessage(reply);
