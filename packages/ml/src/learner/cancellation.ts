import { CancelFitError, type Callback } from './callback';

export interface CancelOptions {
  signal?: AbortSignal;
  shouldStop?: () => boolean;
}

/**
 * Ends the fit cleanly between batches, of training or of a feature cache build, once the
 * signal aborts or `shouldStop()` says so.
 */
export class CancelOnSignal implements Callback {
  // First, so nothing else runs for a batch that will not happen.
  readonly order = -100;

  constructor(private readonly options: CancelOptions) {}

  private check(): void {
    const { signal, shouldStop } = this.options;
    if (signal?.aborted) {
      const reason = signal.reason instanceof Error ? signal.reason.message : signal.reason;
      throw new CancelFitError(reason == null ? 'aborted' : String(reason));
    }
    if (shouldStop?.() === true) throw new CancelFitError('stop requested');
  }

  afterCacheBatch = this.check;
  beforeEpoch = this.check;
  beforeBatch = this.check;
  beforeValidate = this.check;
}
