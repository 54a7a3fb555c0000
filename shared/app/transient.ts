// Store failures that pass: unavailable (503), timed out (408), "retry with" (449). Decided here,
// once, for the app: which store calls are tried again, how often and after how long. (A 429 that
// outlasts the store client's own retries holds new rents back instead: ./admission.ts.) The same
// code meets Cosmos DB's answers in Azure and the local host's injected faults (LOCAL_FAULTS).
import { BUSY_STATUSES, isDocumentError, type Containers, type DocumentContainer } from './ports';

/**
 * The busy statuses worth trying again at once: all of them but 429, which the store's client has
 * already waited out by its own retry policy (the store is telling the app to slow down).
 */
const RETRY_NOW = BUSY_STATUSES.filter((status) => status !== 429);

/** How many times a call is tried again, and the first pause (doubling, with jitter). */
const RETRIES = 3;
const FIRST_PAUSE_MS = 50;

/**
 * Runs `call`, and again after a short pause (about 50 ms, then twice as long each time, at most
 * three more tries) while it fails with 503, 408 or 449. Only for calls that are safe to repeat:
 * reads, queries, and writes whose repeat after a write that did apply (a 408 may hide one) is a
 * no-op or a 409 the caller answers as the first time.
 */
export async function withTransientRetry<T>(call: () => Promise<T>): Promise<T> {
  for (let retry = 0; ; retry++) {
    try {
      return await call();
    } catch (err) {
      if (retry >= RETRIES || !RETRY_NOW.some((status) => isDocumentError(err, status))) throw err;
      await pause(retry);
    }
  }
}

/**
 * The app's containers as the use cases get them: every read and query tried again on 503, 408 or
 * 449 (a read is always safe to repeat). Writes are passed through as they are: whether one may be
 * repeated is its use case's to say.
 */
export function retryingReads(containers: Containers): Containers {
  const wrap = (c: DocumentContainer): DocumentContainer => ({
    read: (pk, id) => withTransientRetry(() => c.read(pk, id)),
    query: (spec) => withTransientRetry(() => c.query(spec)),
    create: (doc) => c.create(doc),
    replace: (pk, id, doc, options) => c.replace(pk, id, doc, options),
    upsert: (doc, options) => c.upsert(doc, options),
    delete: (pk, id, options) => c.delete(pk, id, options),
    patch: (pk, id, operations, options) => c.patch(pk, id, operations, options),
    batch: (pk, operations) => c.batch(pk, operations),
  });
  return {
    members: wrap(containers.members),
    books: wrap(containers.books),
    views: wrap(containers.views),
    deadLetters: wrap(containers.deadLetters),
    notices: wrap(containers.notices),
  };
}

function pause(retry: number): Promise<void> {
  const ms = FIRST_PAUSE_MS * 2 ** retry * (0.75 + Math.random() / 2);
  return new Promise((resolve) => setTimeout(resolve, ms));
}
