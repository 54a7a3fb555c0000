// One instance of the function app on one thread, as the Functions host runs one per instance: the
// extensions over this thread's connection, the app loaded through the `@azure/functions-core`
// seam, its `appStart` hooks and capabilities exchange, and the worker that invokes its functions
// through its own programming model. The main thread adds HTTP and the admin routes (`host.ts`); a
// consumer thread runs its trigger consumers only (`consumer-thread.ts`).
import type { Database } from 'better-sqlite3';
import { injectAdapters } from '../../shared/injected-adapters';
import { embeddedAdapters } from '../adapters';
import { AppLoadError, type AppFiles } from './app-loader';
import type { HostClock } from './clock';
import { ConsumerLog } from './consumer-log';
import { installCoreApi, type CoreApi } from './core-api';
import { extensionFor, loadFunctions, type FunctionListing, type HttpFunctions } from './function-loading';
import type { HostKeys } from './keys';
import type { Logger } from './logger';
import { publishService, withdrawService } from './services';
import type {
  BindingInfo,
  ExtensionFactory,
  HostContext,
  HostExtension,
  InternalRoutes,
  RegisteredFunction,
  Worker,
} from './types';
import { FunctionWorker } from './worker';

/** What the Node worker tells the programming model it can do, before the model adds its own. */
const WORKER_CAPABILITIES: Readonly<Record<string, string>> = {
  RawHttpBodyBytes: 'true',
  RpcHttpTriggerMetadataRemoved: 'true',
  RpcHttpBodyOnly: 'true',
  IgnoreEmptyValuedRpcHttpHeaders: 'true',
  UseNullableValueDictionaryForHttp: 'true',
  WorkerStatus: 'true',
  TypedDataCollection: 'true',
  HandlesWorkerTerminateMessage: 'true',
};

export interface AppInstanceParts {
  app: AppFiles;
  db: Database;
  clock: HostClock;
  log: Logger;
  settings: Readonly<Record<string, string | undefined>>;
  dev: boolean;
  keys: HostKeys;
  extensions: readonly ExtensionFactory[];
  /** The host's own routes, the base URL once listening, and its key check (the main thread's). */
  routes: InternalRoutes;
  baseUrl: () => string;
  authorize: HostContext['authorize'];
  mainThread: boolean;
  /** Which functions' triggers this thread runs (`thread-plan.ts`), given the app's functions. */
  runsHere: (fn: RegisteredFunction, functions: Iterable<RegisteredFunction>) => boolean;
}

export class AppInstance {
  /** The app's function listing, once `loadFunctions` has run. */
  functions: readonly FunctionListing[] = [];

  private constructor(
    readonly worker: FunctionWorker,
    readonly extensions: readonly HostExtension[],
    /** The capabilities the programming model answered (`HttpUri` when it streams HTTP). */
    readonly capabilities: Readonly<Record<string, string>>,
    private readonly parts: AppInstanceParts & {
      core: CoreApi;
      consumers: ConsumerLog;
      withdrawAdapters: () => void;
    },
  ) {}

  /** Loads the app; an `AppLoadError` says why it did not (everything it set up is undone then). */
  static async load(parts: AppInstanceParts): Promise<AppInstance> {
    const { app, db, clock, log } = parts;
    publishService('db', db);
    publishService('clock', clock);
    const core = installCoreApi();
    core.logSink = (level, _category, message) =>
      level === 'error' ? log.error(message) : log.debug(message);

    // Extensions are built before the app loads (the app may use their services at import time);
    // the worker comes after, once the registrations are known.
    const late: { worker?: FunctionWorker } = {};
    const worker = (): FunctionWorker => {
      if (!late.worker) throw new Error('The worker is not ready before the app is loaded.');
      return late.worker;
    };
    const context: HostContext = {
      db,
      clock,
      log,
      hostJson: app.hostJson,
      appDir: app.appDir,
      settings: parts.settings,
      dev: parts.dev,
      get worker(): Worker {
        return worker();
      },
      routes: parts.routes,
      baseUrl: parts.baseUrl,
      keys: parts.keys,
      authorize: parts.authorize,
      mainThread: parts.mainThread,
      runsHere: (fn) => parts.runsHere(fn, worker().functions.values()),
    };
    const extensions = parts.extensions.map((factory) => factory(context));
    // The app reaches the embedded services through the adapters handed to it here, never by
    // importing the host (an Azure build carries none of it).
    const withdrawAdapters = injectAdapters(embeddedAdapters);
    const undo = (): void => {
      withdrawAdapters();
      withdrawService('db', db);
      withdrawService('clock', clock);
    };

    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- the app is loaded by path, as the worker does
      for (const file of app.mainFiles) require(file);
    } catch (err) {
      undo();
      throw new AppLoadError(`The app failed to load: ${(err as Error).message}`);
    }
    if (!core.programmingModel || core.registrations.size === 0) {
      undo();
      throw new AppLoadError(`The app in ${app.appDir} registered no functions.`);
    }
    // As the worker's start-up: the app's `appStart` hooks, then the capabilities exchange, in
    // which `@azure/functions` locks its setup and, when it streams HTTP, starts its proxy.
    let capabilities: Record<string, string>;
    try {
      await core.runAppHooks('appStart', { functionAppDirectory: app.appDir });
      capabilities = await core.programmingModel.getCapabilities({ ...WORKER_CAPABILITIES });
    } catch (err) {
      undo();
      throw new AppLoadError(`The app failed to start: ${(err as Error).message}`);
    }

    const consumers = new ConsumerLog(log);
    const byType = (kind: 'inputTypes' | 'outputTypes', type: string) => extensionFor(extensions, kind, type);
    late.worker = new FunctionWorker(
      core,
      log,
      {
        input: (fn, name, binding, data) => {
          const ext = byType('inputTypes', binding.type);
          if (!ext?.input) throw new Error(`No extension serves input bindings of type "${binding.type}".`);
          return ext.input(fn, name, binding, data);
        },
        output: async (fn: RegisteredFunction, name: string, binding: BindingInfo, value: unknown) => {
          const ext = byType('outputTypes', binding.type);
          if (!ext?.output) throw new Error(`No extension serves output bindings of type "${binding.type}".`);
          await ext.output(fn, name, binding, value);
        },
      },
      consumers,
    );
    return new AppInstance(late.worker, extensions, capabilities, {
      ...parts,
      core,
      consumers,
      withdrawAdapters: undo,
    });
  }

  /**
   * Hands each function to its extension (HTTP functions to `http`, where this thread serves HTTP).
   * Functions in error are reported by the main thread only (every thread loads the same app).
   */
  loadFunctions(http?: HttpFunctions): readonly FunctionListing[] {
    const { settings, log, mainThread } = this.parts;
    this.functions = loadFunctions({
      functions: this.worker.functions.values(),
      extensions: this.extensions,
      http,
      settings,
      log: mainThread ? log : undefined,
    });
    return this.functions;
  }

  async start(): Promise<void> {
    for (const ext of this.extensions) await ext.start?.();
  }

  /** Stops the extensions, last started first stopped. */
  async stop(): Promise<void> {
    for (const ext of [...this.extensions].reverse()) {
      try {
        await ext.stop?.();
      } catch (err) {
        this.parts.log.error(`Stopping ${ext.name} failed`, err);
      }
    }
  }

  /** The app's `appTerminate` hooks, then withdraws what it was handed (after `stop`, and HTTP closed). */
  async terminate(): Promise<void> {
    const { log, core } = this.parts;
    await core.runAppHooks('appTerminate').catch((err) => log.error('An appTerminate hook failed', err));
    this.parts.consumers.stop();
    this.parts.withdrawAdapters();
  }
}
