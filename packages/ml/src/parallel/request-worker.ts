/**
 * A worker thread that answers numbered requests, one reply each, as the body and training
 * pools use them. Unref'd while it owes no reply, so an idle worker never keeps the process
 * alive; a worker that crashes or exits fails every request waiting on it.
 */
import { Worker, type MessagePort } from 'node:worker_threads';

/** What every request and reply carries: its job number; a reply may say why it failed. */
export interface WorkerRequest {
  job: number;
}
export interface WorkerReply {
  job: number;
  error?: string;
}

interface Pending<Reply> {
  resolve: (reply: Reply) => void;
  reject: (error: Error) => void;
}

export class RequestWorker<Request extends WorkerRequest, Reply extends WorkerReply> {
  readonly worker: Worker;
  private readonly pending = new Map<number, Pending<Reply>>();
  /** Why the worker can take no more requests; null while it runs. */
  failure: Error | null = null;

  /** `name` starts its errors ("Body worker 0"); `onGone` hears of a crash or an exit. */
  constructor(
    readonly name: string,
    url: URL,
    workerData: unknown,
    onGone: (worker: RequestWorker<Request, Reply>) => void = () => {},
  ) {
    this.worker = new Worker(url, { workerData });
    this.worker.unref();
    const fail = (why: string) => {
      if (this.failure != null) return;
      this.fail(new Error(`${name} ${why}.`));
      onGone(this);
    };
    this.worker.on('message', (reply: Reply) => this.settle(reply));
    this.worker.on('error', (error) => fail(`crashed: ${error.message}`));
    this.worker.on('messageerror', (error) => fail(`sent an unreadable message: ${error.message}`));
    this.worker.on('exit', (code) => fail(`exited with code ${code}`));
  }

  /** Replies still owed. */
  get load(): number {
    return this.pending.size;
  }

  request(request: Request, transfer: ArrayBuffer[] = []): Promise<Reply> {
    if (this.failure != null) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      // Referenced while it owes replies, so a process awaiting them stays alive.
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(request.job, { resolve, reject });
      this.worker.postMessage(request, transfer);
    });
  }

  private settle(reply: Reply): void {
    const pending = this.pending.get(reply.job);
    if (pending == null) return;
    this.pending.delete(reply.job);
    if (this.pending.size === 0) this.worker.unref();
    if (reply.error == null) pending.resolve(reply);
    else pending.reject(new Error(`${this.name}: ${reply.error}`));
  }

  /** Fails the requests waiting and any later one with `error`. */
  fail(error: Error): void {
    this.failure ??= error;
    for (const { reject } of this.pending.values()) reject(this.failure);
    this.pending.clear();
  }

  /** Fails what waits and ends the thread. */
  async terminate(why: string): Promise<void> {
    this.fail(new Error(`${this.name} ${why}.`));
    await this.worker.terminate();
  }
}

/**
 * Runs a worker's requests one at a time in the order sent, replying to each with the
 * handler's result or its error. An aborted wasm instance (out of memory, most often) cannot
 * run anything again, so the thread then exits and its pool starts a fresh one.
 */
export function serveRequests<Request extends WorkerRequest, Reply extends WorkerReply>(
  port: MessagePort,
  handle: (request: Request) => Promise<{ reply: Reply; transfer?: ArrayBuffer[] }>,
): void {
  let queue = Promise.resolve();
  port.on('message', (request: Request) => {
    queue = queue.then(async () => {
      let reply: WorkerReply;
      let transfer: ArrayBuffer[] = [];
      let isWasmBroken = false;
      try {
        ({ reply, transfer = [] } = await handle(request));
      } catch (error) {
        reply = { job: request.job, error: error instanceof Error ? error.message : String(error) };
        isWasmBroken = error instanceof Error && error.name === 'RuntimeError';
      }
      port.postMessage(reply, transfer);
      if (isWasmBroken) process.exit(1);
    });
  });
}
