// The adapters a host hands the app before loading it. The local host fills this registry with its
// embedded adapters at start-up, so the app reaches them without importing the host's code (an Azure
// build has none of it). A port with Azure settings is served by its Azure adapter instead
// (functions/lib/composition.ts). To add a port: a field here, the local host's adapter, the Azure one.
import type {
  Clock,
  DeadLetterReceiver,
  DocumentContainer,
  EventPublisher,
  MessageSender,
} from './app/ports';
import type { ContainerSettings } from './app/records';

/** What a store needs to know of a container: its settings (index hints optional). */
export type ContainerSpec = Omit<ContainerSettings, 'indexedPaths'> & { indexedPaths?: string[] };

/** Opens one container of a database (created on first use where the store allows it). */
export interface ContainerSource {
  open(databaseId: string, settings: ContainerSpec): DocumentContainer;
}

export interface PortAdapters {
  documents: ContainerSource;
  clock: Clock;
  events: EventPublisher;
  messages: MessageSender;
  deadLetters: DeadLetterReceiver;
}

// A global, not a module variable: the host and the app may be loaded through different module
// loaders (a test runner loads the host from source, the app from dist/).
const KEY = Symbol.for('rentbook.injected-adapters');

function registry(): Partial<PortAdapters> {
  const g = globalThis as { [KEY]?: Partial<PortAdapters> };
  return (g[KEY] ??= {});
}

/** Publishes adapters for the app; the returned function withdraws exactly these again. */
export function injectAdapters(adapters: Partial<PortAdapters>): () => void {
  Object.assign(registry(), adapters);
  return () => {
    const current = registry();
    for (const [name, adapter] of Object.entries(adapters) as [keyof PortAdapters, unknown][])
      if (current[name] === adapter) delete current[name];
  };
}

/** The adapter a host injected for this port, if any. */
export function injectedAdapter<K extends keyof PortAdapters>(port: K): PortAdapters[K] | undefined {
  return registry()[port];
}
