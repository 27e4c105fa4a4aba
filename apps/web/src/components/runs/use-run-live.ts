'use client';

import { useCallback, useEffect, useMemo, useState } from 'react';
import { runEvent, type RunEvent } from '@studio/shared';
import type { RunDetail } from '@/server/runs';
import { mergeByKey, type BatchPoint, type EpochRow } from './run-series';

export type BatchEvent = Extract<RunEvent, { type: 'batch' }>;

const POLL_MS = 4000;
type StageStatus = RunDetail['stages'][number]['status'];
const STAGE_STATUSES = new Set<string>([
  'pending',
  'queued',
  'running',
  'done',
  'failed',
  'cancelled',
]);
const FINISHED = new Set<string>(['done', 'failed', 'cancelled']);

/**
 * A run kept up to date: the state from Postgres (loaded by the page, re-fetched on stage and
 * epoch events and polled while something is queued or running), plus the worker's live
 * events in between. Postgres stays the truth: live rows only fill the gap until the next fetch.
 */
export function useRunLive(initial: RunDetail) {
  const runId = initial.id;
  const [stored, setStored] = useState(initial);
  const [progress, setProgress] = useState<Record<string, BatchEvent>>({});
  const [liveBatches, setLiveBatches] = useState<Record<string, BatchPoint[]>>({});
  const [liveEpochs, setLiveEpochs] = useState<Record<string, EpochRow[]>>({});
  const [isStreaming, setIsStreaming] = useState(false);

  const refresh = useCallback(async () => {
    const response = await fetch(`/api/runs/${runId}`, { cache: 'no-store' }).catch(() => null);
    if (!response?.ok) return;
    setStored((await response.json()) as RunDetail);
  }, [runId]);

  const isActive =
    stored.status === 'queued' ||
    stored.status === 'running' ||
    stored.stages.some((s) => s.status === 'queued' || s.status === 'running');

  useEffect(() => {
    if (!isActive) return;
    const timer = setInterval(refresh, POLL_MS);
    return () => clearInterval(timer);
  }, [isActive, refresh]);

  useEffect(() => {
    if (!isActive) return;
    const apply = (event: RunEvent) => {
      if (event.type === 'batch') {
        setProgress((p) => ({ ...p, [event.stageId]: event }));
        // Validation events repeat the last training loss; only training batches are curve points.
        if (event.phase !== 'train') return;
        const { iteration, epoch, loss, smoothLoss, lr, mom } = event;
        setLiveBatches((all) => ({
          ...all,
          [event.stageId]: [
            ...(all[event.stageId] ?? []),
            { iteration, epoch, loss, smoothLoss, lr, mom },
          ],
        }));
      } else if (event.type === 'epoch') {
        const { type: _t, stageId, ...row } = event;
        setLiveEpochs((all) => ({ ...all, [stageId]: [...(all[stageId] ?? []), row] }));
        void refresh();
      } else if (event.type === 'stage') {
        if (!STAGE_STATUSES.has(event.status)) return;
        const status = event.status as StageStatus;
        setStored((run) => ({
          ...run,
          stages: run.stages.map((s) =>
            s.id === event.stageId
              ? {
                  ...s,
                  status,
                  error: event.error ?? s.error,
                  errorKind: event.errorKind ?? s.errorKind,
                }
              : s,
          ),
        }));
        if (FINISHED.has(event.status)) {
          setProgress(({ [event.stageId]: _done, ...rest }) => rest);
        }
        if (event.status === 'running') {
          // A new attempt: what it stores replaces the live rows of an earlier one.
          setLiveBatches(({ [event.stageId]: _old, ...rest }) => rest);
          setLiveEpochs(({ [event.stageId]: _old, ...rest }) => rest);
        }
        void refresh();
      }
    };
    const source = new EventSource(`/api/runs/${runId}/events`);
    source.onopen = () => setIsStreaming(true);
    // EventSource reconnects by itself; meanwhile the poll keeps the page current.
    source.onerror = () => setIsStreaming(false);
    source.onmessage = (message: MessageEvent<string>) => {
      let data: unknown;
      try {
        data = JSON.parse(message.data);
      } catch {
        return;
      }
      const parsed = runEvent.safeParse(data);
      if (parsed.success) apply(parsed.data);
    };
    return () => {
      source.close();
      setIsStreaming(false);
    };
  }, [isActive, runId, refresh]);

  const run = useMemo(
    () => ({
      ...stored,
      stages: stored.stages.map((s) => ({
        ...s,
        batches: mergeByKey(s.batches, liveBatches[s.id], (b) => b.iteration),
        epochs: mergeByKey(s.epochs, liveEpochs[s.id], (e) => e.epoch),
      })),
    }),
    [stored, liveBatches, liveEpochs],
  );
  // A finished stage's last progress event would otherwise linger until the next event.
  const runningProgress = Object.fromEntries(
    Object.entries(progress).filter(([id]) =>
      run.stages.some((s) => s.id === id && s.status === 'running'),
    ),
  );
  return { run, progress: runningProgress, isActive, isStreaming, refresh };
}
