// The app's document-container port over the local host's document store (the Cosmos stand-in).
// The store is synchronous (SQLite); the port is async like the Cosmos SDK, so a store error
// becomes a rejected promise carrying the same status. This adapter plays the SDK's part where the
// store injects faults (LOCAL_FAULTS): a throttled call (429) is tried again after the wait the
// store gave, as `@azure/cosmos` does by default (at most 9 times, 30 s of waiting in all), and
// only then reaches the app; other failures reach it at once, as they do from a single-region
// account. The store's injected latency is waited here, off the store's synchronous path.
import type {
  BatchOperation,
  BatchResult,
  Containers,
  Doc,
  DocumentContainer,
  Page,
  PatchOperation,
  PatchOptions,
  QuerySpec,
  Stored,
  WriteOptions,
} from '../../shared/app/ports';
import { DocumentError } from '../../shared/app/ports';
import type { ContainerSource } from '../../shared/injected-adapters';
import { getService } from '../host/services';
import type {
  ContainerDefinition,
  DocumentStoreError,
  DocumentContainer as StoreContainer,
  DocumentStore,
} from '../documents/types';

/** Containers of the running host's store, created there on first use. */
export const embeddedContainerSource: ContainerSource = {
  open: (databaseId, settings) => new EmbeddedContainer(databaseId, settings),
};

/** The containers the app uses, created on first use in each running host's store. */
export function embeddedContainers(
  databaseId: string,
  definitions: Record<keyof Containers, ContainerDefinition>,
): Containers {
  return {
    members: embeddedContainerSource.open(databaseId, definitions.members),
    books: embeddedContainerSource.open(databaseId, definitions.books),
    views: embeddedContainerSource.open(databaseId, definitions.views),
    deadLetters: embeddedContainerSource.open(databaseId, definitions.deadLetters),
    notices: embeddedContainerSource.open(databaseId, definitions.notices),
  };
}

class EmbeddedContainer implements DocumentContainer {
  private store: DocumentStore | undefined;
  private container: StoreContainer | undefined;

  constructor(
    private readonly databaseId: string,
    private readonly definition: ContainerDefinition,
  ) {}

  read<T extends Doc>(partitionKey: string, id: string): Promise<Stored<T> | undefined> {
    return this.run((c) => c.read<T>(partitionKey, id));
  }

  create<T extends Doc>(doc: T): Promise<Stored<T>> {
    return this.run((c) => c.create(doc));
  }

  replace<T extends Doc>(
    partitionKey: string,
    id: string,
    doc: T,
    options?: WriteOptions,
  ): Promise<Stored<T>> {
    return this.run((c) => c.replace(partitionKey, id, doc, options));
  }

  upsert<T extends Doc>(doc: T, options?: WriteOptions): Promise<Stored<T>> {
    return this.run((c) => c.upsert(doc, options));
  }

  delete(partitionKey: string, id: string, options?: WriteOptions): Promise<void> {
    return this.run((c) => c.delete(partitionKey, id, options));
  }

  patch<T extends Doc>(
    partitionKey: string,
    id: string,
    operations: PatchOperation[],
    options?: PatchOptions,
  ): Promise<Stored<T>> {
    return this.run((c) => c.patch<T>(partitionKey, id, operations, options));
  }

  batch(partitionKey: string, operations: BatchOperation[]): Promise<BatchResult[]> {
    return this.run((c) => c.batch(partitionKey, operations));
  }

  query<T extends Doc>(spec: QuerySpec): Promise<Page<T>> {
    return this.run((c) => c.query<T>(spec));
  }

  // Resolved on each call: a test may stop one host and start another in the same process, and
  // each has its own store.
  private resolve(): StoreContainer {
    const store = getService<DocumentStore>('documents');
    if (store !== this.store || !this.container) {
      this.container = store.createContainerIfNotExists(this.databaseId, this.definition);
      this.store = store;
    }
    return this.container;
  }

  private async run<R>(op: (c: StoreContainer) => R): Promise<R> {
    const container = this.resolve();
    const latency = this.store!.faults.latencyMs('documents');
    if (latency > 0) await delay(latency);
    let waitedMs = 0;
    for (let retry = 0; ; retry++) {
      try {
        return op(container);
      } catch (err) {
        if (!isStoreError(err)) throw err;
        const wait = err.retryAfterMs ?? 0;
        if (err.status === 429 && retry < THROTTLE_RETRIES && waitedMs + wait <= THROTTLE_WAIT_MS) {
          waitedMs += wait;
          await delay(wait);
          continue;
        }
        throw new DocumentError(err.status, err.message, err.retryAfterMs);
      }
    }
  }
}

/** `@azure/cosmos`'s defaults for throttled requests (`retryOptions`): 9 retries, 30 s of waiting. */
const THROTTLE_RETRIES = 9;
const THROTTLE_WAIT_MS = 30_000;

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

// By shape, not instanceof: the host's store may come from another module loader than this app
// (a test runner loads the host from source, the app from dist/), so its error class differs.
function isStoreError(err: unknown): err is DocumentStoreError {
  return (
    err instanceof Error &&
    err.name === 'DocumentStoreError' &&
    typeof (err as { status?: unknown }).status === 'number'
  );
}
