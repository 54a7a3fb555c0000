// Function retry policies (`retry: { strategy: 'fixedDelay' | 'exponentialBackoff', ... }` on a
// registration), as the Functions host applies them to timer, Event Hubs and Cosmos DB triggers:
// the invocation is re-run after a delay on the host clock, with `retryContext` telling the
// handler which attempt it is. Stopping the host cuts a delay short and ends the retries.
import type { HostContext, InvokeOptions, RetryOptions } from './types';

const toMs = (d: RetryOptions['delayInterval']): number => (d?.seconds ?? 0) * 1000 + (d?.nanos ?? 0) / 1e6;

/** Delay before retry number `retry` (1 = the first retry) of a retry policy. */
export function retryDelayMs(options: RetryOptions, retry: number): number {
  if (options.retryStrategy === 'fixedDelay') return toMs(options.delayInterval);
  const max = toMs(options.maximumInterval) || Infinity;
  return Math.min(max, toMs(options.minimumInterval) * 2 ** (retry - 1));
}

export class RetryingInvoker {
  private readonly pending = new Set<() => void>();
  private stopped = false;

  constructor(private readonly host: Pick<HostContext, 'worker' | 'clock' | 'log'>) {}

  /**
   * Invokes `functionName` under `retry` (none: once). Resolves `'settled'` when it succeeded or
   * failed for the last time (`describeFailure` words the log line), `'stopped'` when the host
   * stopped before it settled — the caller then leaves its checkpoint where it was.
   */
  async invoke(
    functionName: string,
    options: InvokeOptions,
    retry: RetryOptions | undefined,
    describeFailure: (willRetry: boolean) => string,
  ): Promise<'settled' | 'stopped'> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.host.worker.invoke(functionName, {
          ...options,
          ...(retry ? { retryContext: { retryCount: attempt, maxRetryCount: retry.maxRetryCount } } : {}),
        });
        return 'settled';
      } catch (err) {
        const more =
          retry !== undefined &&
          !this.stopped &&
          (retry.maxRetryCount === -1 || attempt < retry.maxRetryCount);
        this.host.log.error(describeFailure(more), err);
        if (!more) return 'settled';
        await this.delay(retryDelayMs(retry, attempt + 1));
        if (this.stopped) return 'stopped';
      }
    }
  }

  /** Ends pending delays at once; no further retries start. */
  stop(): void {
    this.stopped = true;
    for (const done of [...this.pending]) done();
  }

  private delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        cancel();
        this.pending.delete(done);
        resolve();
      };
      const cancel = this.host.clock.at(this.host.clock.now() + ms, done);
      this.pending.add(done);
    });
  }
}

/**
 * How long a trigger waits before it reads again from a source that failed `failures` times in a
 * row (a busy or unreachable hub or queue): 0.5 s, doubling, at most 10 s — as the SDKs' receivers
 * back off, so an outage is neither hammered nor outlasted by long.
 */
export function receiveBackoffMs(failures: number): number {
  return Math.min(500 * 2 ** (Math.max(1, failures) - 1), 10_000);
}
