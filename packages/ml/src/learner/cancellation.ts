import { CancelFitError, type Callback } from './callback';

/** Ends the fit cleanly between batches, of training or of a feature cache build, once the signal aborts. */
export class CancelOnSignal implements Callback {
  // First, so nothing else runs for a batch that will not happen.
  readonly order = -100;

  constructor(private readonly signal: AbortSignal) {}

  private check(): void {
    if (!this.signal.aborted) return;
    const reason =
      this.signal.reason instanceof Error ? this.signal.reason.message : this.signal.reason;
    throw new CancelFitError(reason == null ? 'aborted' : String(reason));
  }

  afterCacheBatch = this.check;
  beforeEpoch = this.check;
  beforeBatch = this.check;
  beforeValidate = this.check;
}
