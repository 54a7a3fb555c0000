// Failures that pass: a store that is throttled (429), unavailable (503) or slow to answer (408), a
// messaging service that is busy or unreachable. Decided here, once: which failures count as
// transient, how often a call is tried again and how long it waits in between — for the app's
// read → decide → write loops and for every read, the same place where Cosmos DB's own throttling
// and the local host's injected faults (LOCAL_FAULTS) meet the app.
import type { Containers, DocumentContainer, DocumentError } from './ports';

/** Statuses of a store call that may succeed if tried again a moment later. */
const RETRY_NOW = new Set([408, 449, 503]);

/** How many times a transient failure is tried again, and the first wait (doubling, with jitter). */
const TRANSIENT_RETRIES = 3;
const FIRST_WAIT_MS = 50;

/**
 * A failure that says "not now" rather than "no": a store call throttled past its client's own
 * retries (429), unavailable (503), timed out (408, which a write may have outlived), or a messaging
 * call the SDK marks retryable. A consumer that meets one tries again later instead of giving up on
 * its items.
 */
export function isTransient(err: unknown): boolean {
  if (isStoreError(err)) return err.status === 429 || RETRY_NOW.has(err.status);
  return err instanceof Error && (err as { retryable?: unknown }).retryable === true;
}

/**
 * Runs `call`, and again after a short pause (50 ms, then about twice as long each time, at most
 * three more tries) while it fails with 503, 408 or 449. A 429 is not tried again here: the store's
 * client has waited out its own retries already, and the store is telling the app to slow down.
 * Only for calls that are safe to repeat (reads, queries, writes whose repeat is a no-op or a 409).
 */
export async function withTransientRetry<T>(call: () => Promise<T>): Promise<T> {
  for (let retry = 0; ; retry++) {
    try {
      return await call();
    } catch (err) {
      if (!isStoreError(err) || !RETRY_NOW.has(err.status) || retry >= TRANSIENT_RETRIES) throw err;
      await pause(retry);
    }
  }
}

/** What a decision comes to: an answer now, or a conditional write to try (and what it answers). */
export type Decision<R> = { result: R } | { write: () => Promise<{ done: R } | 'conflict'> };

/**
 * Read → decide → write, the one loop for writes that must not race: `read` the state, `decide` on
 * it (a result, or a write conditional on what was read), and when the write lost a race
 * (`conflict`: someone changed the state since) or failed transiently (503, 408), read and decide
 * again. A write that timed out may have been applied: `decide` then sees its own effect on the
 * next read, and must answer as if it had just written. Gives up after `maxAttempts` races.
 */
export async function readDecideWrite<S, R>(spec: {
  read: () => Promise<S>;
  decide: (state: S) => Decision<R>;
  /** Names the thing written, for the error when the races never end. */
  what: string;
  maxAttempts?: number;
}): Promise<R> {
  const maxAttempts = spec.maxAttempts ?? 20;
  let transient = 0;
  for (let attempt = 1; ;) {
    const decision = spec.decide(await withTransientRetry(spec.read));
    if ('result' in decision) return decision.result;
    let outcome: { done: R } | 'conflict';
    try {
      outcome = await decision.write();
    } catch (err) {
      if (!isStoreError(err) || !RETRY_NOW.has(err.status) || transient >= TRANSIENT_RETRIES) throw err;
      await pause(transient++);
      continue;
    }
    if (outcome !== 'conflict') return outcome.done;
    if (attempt++ >= maxAttempts) throw new Error(`${spec.what} kept losing races`);
  }
}

/**
 * The app's containers as the use cases get them: every read and query tried again on 503, 408 or
 * 449 (always safe), and every 429 that reaches the app reported to `onThrottled` (the store is
 * throttling: new work should wait) before it is passed on.
 */
export function resilientContainers(
  containers: Containers,
  onThrottled: (retryAfterMs: number | undefined) => void,
): Containers {
  const wrap = (c: DocumentContainer): DocumentContainer => {
    const watch = async <T>(call: () => Promise<T>): Promise<T> => {
      try {
        return await call();
      } catch (err) {
        if (isStoreError(err) && err.status === 429) onThrottled(err.retryAfterMs);
        throw err;
      }
    };
    return {
      read: (pk, id) => watch(() => withTransientRetry(() => c.read(pk, id))),
      query: (spec) => watch(() => withTransientRetry(() => c.query(spec))),
      create: (doc) => watch(() => c.create(doc)),
      replace: (pk, id, doc, options) => watch(() => c.replace(pk, id, doc, options)),
      upsert: (doc, options) => watch(() => c.upsert(doc, options)),
      delete: (pk, id, options) => watch(() => c.delete(pk, id, options)),
      patch: (pk, id, operations, options) => watch(() => c.patch(pk, id, operations, options)),
      batch: (pk, operations) => watch(() => c.batch(pk, operations)),
    };
  };
  return {
    members: wrap(containers.members),
    books: wrap(containers.books),
    views: wrap(containers.views),
    deadLetters: wrap(containers.deadLetters),
    notices: wrap(containers.notices),
  };
}

// By shape, like isDocumentError: the adapter's DocumentError may be another module's copy.
function isStoreError(err: unknown): err is DocumentError {
  return (
    err instanceof Error &&
    err.name === 'DocumentError' &&
    typeof (err as { status?: unknown }).status === 'number'
  );
}

function pause(retry: number): Promise<void> {
  const ms = FIRST_WAIT_MS * 2 ** retry * (0.75 + Math.random() / 2);
  return new Promise((resolve) => setTimeout(resolve, ms));
}
