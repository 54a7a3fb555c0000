// The embedded services of the running local host (document store, event log, queues, clock),
// published for the app's embedded adapters. The app and the host share one process; a global
// registry (not a module singleton) keeps this true even when the host and the app were loaded
// through different module loaders (e.g. a test runner and Node's require).
const KEY = Symbol.for('local-functions-host.services');

type Registry = Map<string, unknown>;

function registry(): Registry {
  const g = globalThis as { [KEY]?: Registry };
  return (g[KEY] ??= new Map());
}

export function publishService(name: string, service: unknown): void {
  registry().set(name, service);
}

export function withdrawService(name: string, service: unknown): void {
  if (registry().get(name) === service) registry().delete(name);
}

/** The named service of the running host; throws when the code is not running under the local host. */
export function getService<T>(name: string): T {
  const service = registry().get(name);
  if (service === undefined) {
    throw new Error(
      `The local host's "${name}" service is not available: is this code running under the local host?`,
    );
  }
  return service as T;
}

export function hasService(name: string): boolean {
  return registry().has(name);
}
