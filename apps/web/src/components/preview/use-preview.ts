'use client';

import { useEffect, useState } from 'react';
import type { PreviewRequest, PreviewResult } from '@studio/shared';

export interface PreviewState {
  result: PreviewResult | null;
  /** What `result` answers (the request may have changed since). */
  answered: PreviewRequest | null;
  error: string | null;
  isLoading: boolean;
}

/**
 * Asks the studio for a preview of the version and asks again whenever the request changes
 * (after a short pause, so typing a number asks once); `null` asks nothing.
 */
export function usePreview(versionId: string, request: PreviewRequest | null): PreviewState {
  const [state, setState] = useState<PreviewState>({
    result: null,
    answered: null,
    error: null,
    isLoading: false,
  });
  const body = request ? JSON.stringify(request) : null;
  useEffect(() => {
    if (!body) return;
    const controller = new AbortController();
    setState((s) => ({ ...s, isLoading: true }));
    const timer = setTimeout(() => {
      fetch(`/api/versions/${versionId}/preview`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body,
        signal: controller.signal,
      })
        .then(async (response) => {
          const answer = (await response.json().catch(() => ({}))) as PreviewResult & {
            error?: string;
          };
          if (!response.ok) throw new Error(answer.error ?? `HTTP ${response.status}`);
          setState({
            result: answer,
            answered: JSON.parse(body) as PreviewRequest,
            error: null,
            isLoading: false,
          });
        })
        .catch((error: Error) => {
          if (controller.signal.aborted) return;
          setState({ result: null, answered: null, error: error.message, isLoading: false });
        });
    }, 250);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [versionId, body]);
  return state;
}
