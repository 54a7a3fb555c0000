// The Event Hubs and Service Bus SDKs' retries, played by the local adapters: a call that fails with
// a retryable error (a busy or unreachable stand-in, LOCAL_FAULTS) is tried again with the delays
// `@azure/core-amqp` computes for MESSAGING_RETRY (exponential, ±20% jitter), then the last error
// reaches the app. The stand-in's injected latency is waited before each try.
import { isRetryableMessagingError, MESSAGING_RETRY } from '../../shared/messaging-retry';
import type { FaultPlan } from '../faults/plan';
import type { FaultService } from '../faults/settings';

export async function withMessagingRetry<T>(
  faults: Pick<FaultPlan, 'latencyMs'>,
  service: FaultService,
  call: () => T,
): Promise<T> {
  const { maxRetries, retryDelayInMs, maxRetryDelayInMs } = MESSAGING_RETRY;
  for (let attempt = 1; ; attempt++) {
    const latency = faults.latencyMs(service);
    if (latency > 0) await delay(latency);
    try {
      return call();
    } catch (err) {
      if (!isRetryableMessagingError(err) || attempt > maxRetries) throw err;
      const jittered = retryDelayInMs * (0.8 + Math.random() * 0.4);
      await delay(Math.min(jittered * (2 ** attempt - 1), maxRetryDelayInMs));
    }
  }
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
