// An extension on its own, without a host: a host context on an in-memory (or given) database,
// a controllable clock, and a worker that hands each invocation to the test's handler.
import { afterEach } from 'vitest';
import { HostClock } from '../../local/host/clock';
import { openDatabase } from '../../local/host/db';
import { resolveHostKeys } from '../../local/host/keys';
import { createLogger } from '../../local/host/logger';
import { RequestGuard } from '../../local/host/request-guard';
import type {
  Database,
  ExtensionFactory,
  HostContext,
  HostExtension,
  InvokeOptions,
  RegisteredFunction,
  Worker,
} from '../../local/host/types';

export type Handler = (options: InvokeOptions) => Promise<void> | void;

/** A registered function with one trigger binding named `bindingName`. */
export function triggeredFunction(
  name: string,
  type: string,
  bindingName: string,
  binding: Record<string, unknown>,
): RegisteredFunction {
  const trigger = { type, direction: 'in' as const, name: bindingName, ...binding };
  return {
    name,
    metadata: { name, bindings: { [bindingName]: trigger } },
    trigger: { name: bindingName, binding: trigger },
  };
}

const running: { ext: HostExtension; clock: HostClock }[] = [];
afterEach(async () => {
  for (const { ext, clock } of running.splice(0)) {
    await ext.stop?.();
    clock.dispose();
  }
});

export interface Harness {
  db: Database;
  clock: HostClock;
  ext: HostExtension;
  /** Registers a function with the extension; `handler` runs each of its invocations. */
  add(fn: RegisteredFunction, handler: Handler): void;
  /** The error lines the extension logged. */
  errors: string[];
}

/** Builds the extension; it is stopped after each test. */
export function harness(
  factory: ExtensionFactory,
  opts: {
    extensions?: Record<string, Record<string, unknown>>;
    settings?: Record<string, string>;
    db?: HostContext['db'];
  } = {},
): Harness {
  const db: Database = opts.db ?? openDatabase(':memory:');
  const clock = new HostClock(true);
  const handlers = new Map<string, Handler>();
  const errors: string[] = [];
  const worker: Worker = {
    functions: new Map(),
    async invoke(name, options) {
      await handlers.get(name)!(options);
      return { invocationId: 'x', returnValue: undefined, returnData: undefined, outputs: {} };
    },
  };
  const keys = resolveHostKeys(':memory:', {});
  const guard = new RequestGuard(
    keys,
    true,
    () => 0,
    () => false,
  );
  const context: HostContext = {
    db,
    clock,
    worker,
    log: createLogger('error', (line) => errors.push(line)),
    hostJson: { version: '2.0', extensions: opts.extensions ?? {} },
    appDir: process.cwd(),
    settings: opts.settings ?? {},
    routes: { add: () => undefined },
    baseUrl: () => 'http://127.0.0.1:0',
    dev: true,
    keys,
    authorize: (template, req) => guard.missingKey(template, req),
    mainThread: true,
    runsHere: () => true,
  };
  const ext = factory(context);
  running.push({ ext, clock });
  const add = (fn: RegisteredFunction, handler: Handler): void => {
    handlers.set(fn.name, handler);
    ext.addFunction!(fn);
  };
  return { db, clock, ext, add, errors };
}
