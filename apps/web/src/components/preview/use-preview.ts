'use client';

import { useCallback, useEffect, useState } from 'react';
import { previewResult, type PreviewRequest, type PreviewResult } from '@studio/shared';

export interface PreviewState {
  result: PreviewResult | null;
  /** What `result` answers (the request may have changed since). */
  answered: PreviewRequest | null;
  error: string | null;
  isLoading: boolean;
  /** Asks again for the same preview (after an error). */
  retry: () => void;
}

/** Waits before asking again when the studio answers 503 (workers busy or restarting). */
const RETRY_DELAYS_MS = [2_000, 4_000, 8_000];

function parseJson(text: string): { error?: unknown } {
  try {
    return JSON.parse(text) as { error?: unknown };
  } catch {
    return {};
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason as Error);
      },
      { once: true },
    );
  });
}

/**
 * Asks the studio for a preview of the version and asks again whenever the request changes
 * (after a short pause, so typing a number asks once); `null` asks nothing.
 */
export function usePreview(versionId: string, request: PreviewRequest | null): PreviewState {
  const [attempt, setAttempt] = useState(0);
  const retry = useCallback(() => setAttempt((n) => n + 1), []);
  const [state, setState] = useState<Omit<PreviewState, 'retry'>>({
    result: null,
    answered: null,
    error: null,
    isLoading: false,
  });
  const body = request ? JSON.stringify(request) : null;
  useEffect(() => {
    if (!body) return;
    const controller = new AbortController();
    const { signal } = controller;
    setState((s) => ({ ...s, error: null, isLoading: true }));
    const ask = async (): Promise<void> => {
      await sleep(250, signal);
      for (let tries = 0; ; tries++) {
        const response = await fetch(`/api/versions/${versionId}/preview`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body,
          signal,
        });
        // Reading the body rejects when the request is superseded mid-answer; only the JSON
        // parse is allowed to fail, and an answer that is not a preview is an error.
        const text = await response.text();
        const answer = parseJson(text);
        if (response.ok) {
          const preview = previewResult.safeParse(answer);
          if (!preview.success)
            throw new Error('The studio answered with something other than images.');
          setState({
            result: preview.data,
            answered: JSON.parse(body) as PreviewRequest,
            error: null,
            isLoading: false,
          });
          return;
        }
        const message = typeof answer.error === 'string' ? answer.error : `HTTP ${response.status}`;
        const delay = RETRY_DELAYS_MS[tries];
        if (response.status !== 503 || delay === undefined) throw new Error(message);
        setState((s) => ({ ...s, error: `${message} Asking again in ${delay / 1000} s.` }));
        await sleep(delay, signal);
      }
    };
    ask().catch((error: Error) => {
      if (signal.aborted) return;
      setState({ result: null, answered: null, error: error.message, isLoading: false });
    });
    return () => controller.abort();
  }, [versionId, body, attempt]);
  return { ...state, retry };
}
