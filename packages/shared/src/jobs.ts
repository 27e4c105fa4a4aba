import type { z } from 'zod';
import { PREDICT_JOB_OPTIONS, predictJob } from './predict';
import { PREVIEW_JOB_OPTIONS, previewJob } from './preview';
import { IMPORT_JOB_OPTIONS, importArchiveJob, QUEUES, TRAIN_JOB_OPTIONS } from './queues';
import { trainStageJob } from './runs';

/** BullMQ's job options, as far as the studio sets them. */
export interface JobOptions {
  attempts?: number;
  backoff?: { type: 'fixed' | 'exponential'; delay: number };
  removeOnComplete?: number | { age: number; count: number };
  removeOnFail?: number | { age: number; count: number };
  jobId?: string;
}

/** One background job: its queue, name, payload schema, options and job id. */
export interface JobDefinition<S extends z.ZodType> {
  queue: (typeof QUEUES)[keyof typeof QUEUES];
  name: string;
  schema: S;
  options: JobOptions;
  /** A stable id makes enqueueing the same work twice a no-op; none for one-off jobs. */
  jobId?: (data: z.output<S>) => string;
}

/**
 * Every job the web app and the worker put on a queue. The worker parses a job's data with the
 * same schema (`JOBS.x.schema.parse(job.data)`).
 */
export const JOBS = {
  importArchive: {
    queue: QUEUES.imports,
    name: 'import-archive',
    schema: importArchiveJob,
    options: IMPORT_JOB_OPTIONS,
    jobId: (data) => data.importTaskId,
  } satisfies JobDefinition<typeof importArchiveJob>,
  trainStage: {
    queue: QUEUES.train,
    name: 'stage',
    schema: trainStageJob,
    options: TRAIN_JOB_OPTIONS,
    jobId: (data) => data.stageId,
  } satisfies JobDefinition<typeof trainStageJob>,
  predict: {
    queue: QUEUES.predict,
    name: 'predict',
    schema: predictJob,
    options: PREDICT_JOB_OPTIONS,
  } satisfies JobDefinition<typeof predictJob>,
  preview: {
    queue: QUEUES.preview,
    name: 'preview',
    schema: previewJob,
    options: PREVIEW_JOB_OPTIONS,
  } satisfies JobDefinition<typeof previewJob>,
};

/** The arguments of `queue.add` for a job: name, parsed data, options with the job's id. */
export function jobArgs<S extends z.ZodType>(
  job: JobDefinition<S>,
  input: z.input<S>,
): [string, z.output<S>, JobOptions] {
  const data = job.schema.parse(input);
  return [job.name, data, { ...job.options, ...(job.jobId ? { jobId: job.jobId(data) } : {}) }];
}
