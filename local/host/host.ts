// The local host: loads a compiled v4 function app unchanged, captures its registrations through
// `@azure/functions-core`, and serves them with the embedded extensions, all state in one SQLite file.

import { ConsumerLog } from './consumer-log';
import { installCoreApi, type CoreApi } from './core-api';
import { addAdminRoutes, findFunction, takesNoInput } from './admin-routes';
import { addDevSignInRoute } from './dev-sign-in';
import { HostClock, isValidClockOffset } from './clock';
import { closeDatabase, committed, openDatabase, readState, writeState } from './db';
import { lockDataFile, type DataFileLock } from './data-file-lock';
import { defaultExtensions } from './extensions';
import { HostHttpServer, httpSettings } from './http-server';
import { removeHostRecord, writeHostRecord } from './host-record';
import { resolveHostKeys, type HostKeys } from './keys';
import { createLogger, type Logger, type LogLevel } from './logger';
import { describeFunctions, extensionFor, loadFunctions, type FunctionListing } from './function-loading';
import { HttpStreamProxy } from './http-stream';
import { RequestGuard } from './request-guard';
import { publishService, withdrawService } from './services';
import { injectAdapters } from '../../shared/injected-adapters';
import { embeddedAdapters } from '../adapters';
import { AppLoadError, findApp, withHostJsonOverrides } from './app-loader';
import type {
  BindingInfo,
  Database,
  ExtensionFactory,
  HostContext,
  HostExtension,
  RegisteredFunction,
  Worker,
} from './types';
import { FunctionWorker } from './worker';

export interface LocalHostOptions {
  /** The function app directory (its package.json `main` names the compiled entry files). */
  appDir: string;
  /** 0 picks a free port. Default 7071. */
  port?: number;
  /** SQLite file, or `:memory:`. Default `.data/local.db` in the current directory. */
  dbFile?: string;
  /** Dev features: the controllable clock (`POST /admin/clock`), and the clock and admin runs without a key. */
  dev?: boolean;
  logLevel?: LogLevel;
  logger?: Logger;
  extensions?: ExtensionFactory[];
}

const CLOCK_OFFSET_KEY = 'clock.offsetMs';

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

export class LocalHost {
  functions: readonly FunctionListing[] = [];
  private stopped = false;
  /** Whether this host wrote the record the command-line tools find it by (`host-record.ts`). */
  private recorded = false;

  readonly db: Database;
  readonly clock: HostClock;
  readonly worker: Worker;
  readonly log: Logger;
  readonly dbFile: string;
  /** The master key and the system keys (LOCAL_MASTER_KEY, LOCAL_DURABLE_SYSTEM_KEY, or kept beside the data file). */
  readonly keys: HostKeys;
  private readonly core: CoreApi;
  private readonly http: HostHttpServer;
  private readonly extensions: HostExtension[];
  private readonly withdrawAdapters: () => void;
  private readonly lock: DataFileLock;
  private readonly consumers: ConsumerLog;

  private constructor(parts: {
    db: Database;
    clock: HostClock;
    worker: Worker;
    log: Logger;
    core: CoreApi;
    http: HostHttpServer;
    extensions: HostExtension[];
    dbFile: string;
    keys: HostKeys;
    withdrawAdapters: () => void;
    lock: DataFileLock;
    consumers: ConsumerLog;
  }) {
    ({ db: this.db, clock: this.clock, worker: this.worker, log: this.log, dbFile: this.dbFile } = parts);
    ({ keys: this.keys, core: this.core, http: this.http, extensions: this.extensions } = parts);
    this.withdrawAdapters = parts.withdrawAdapters;
    ({ lock: this.lock, consumers: this.consumers } = parts);
  }

  get url(): string {
    return this.http.url;
  }

  get port(): number {
    return Number(new URL(this.http.url).port);
  }

  static async start(options: LocalHostOptions): Promise<LocalHost> {
    const log = options.logger ?? createLogger(options.logLevel ?? 'info');
    const found = findApp(options.appDir);
    const settings: Record<string, string | undefined> = { ...found.localValues, ...process.env };
    const app = { ...found, hostJson: withHostJsonOverrides(found.hostJson, settings) };
    for (const [k, v] of Object.entries(app.localValues)) process.env[k] ??= v;

    const dbFile = options.dbFile ?? '.data/local.db';
    let httpConfig: ReturnType<typeof httpSettings>;
    try {
      httpConfig = httpSettings(app.hostJson, settings);
    } catch (err) {
      throw new AppLoadError((err as Error).message);
    }
    const { routePrefix, limits } = httpConfig;
    const keys = resolveHostKeys(dbFile, settings);
    // Before the file is touched: a second host on it stops here, naming the one that runs.
    const lock = lockDataFile(dbFile);
    let db: Database;
    try {
      db = openDatabase(dbFile, {
        groupCommit: true,
        // The process has acted on writes the file does not hold: stop rather than go on diverged.
        onCommitFailure: (err) => {
          log.error('Committing to the data file failed; stopping the host', err);
          process.exit(70);
        },
      });
    } catch (err) {
      lock.release();
      throw err;
    }
    const close = (): void => {
      closeDatabase(db);
      lock.release();
    };
    const dev = options.dev === true;
    const clock = new HostClock(dev, dev ? storedClockOffset(db, log) : 0, (offset) =>
      writeState(db, CLOCK_OFFSET_KEY, String(offset)),
    );
    publishService('db', db);
    publishService('clock', clock);

    const core = installCoreApi();
    core.logSink = (level, _category, message) =>
      level === 'error' ? log.error(message) : log.debug(message);

    // Extensions are built before the app loads (the app may use their services at import time);
    // the worker and HTTP server come after, once the registrations are known.
    const late: { worker?: FunctionWorker; http?: HostHttpServer } = {};
    const guard = new RequestGuard(
      keys,
      dev,
      () => late.http!.port,
      (name) => {
        const fn = late.worker && findFunction(late.worker, name);
        return fn !== undefined && takesNoInput(fn);
      },
    );
    const context: HostContext = {
      db,
      clock,
      log,
      hostJson: app.hostJson,
      appDir: app.appDir,
      settings,
      dev,
      get worker(): Worker {
        if (!late.worker) throw new Error('The worker is not ready before the app is loaded.');
        return late.worker;
      },
      routes: { add: (method, template, handler) => late.http!.add(method, template, handler) },
      baseUrl: () => late.http!.url,
      keys,
      authorize: (template, req) => guard.missingKey(template, req),
    };
    const extensions = (options.extensions ?? defaultExtensions).map((factory) => factory(context));
    // The app reaches the embedded services through the adapters handed to it here, never by
    // importing the host (an Azure build carries none of it).
    const withdrawAdapters = injectAdapters(embeddedAdapters);

    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- the app is loaded by path, as the worker does
      for (const file of app.mainFiles) require(file);
    } catch (err) {
      withdrawAdapters();
      close();
      throw new AppLoadError(`The app failed to load: ${(err as Error).message}`);
    }
    if (!core.programmingModel || core.registrations.size === 0) {
      withdrawAdapters();
      close();
      throw new AppLoadError(`The app in ${app.appDir} registered no functions.`);
    }
    // As the worker's start-up: the app's `appStart` hooks, then the capabilities exchange, in
    // which `@azure/functions` locks its setup and, when it streams HTTP, starts its proxy.
    let capabilities: Record<string, string>;
    try {
      await core.runAppHooks('appStart', { functionAppDirectory: app.appDir });
      capabilities = await core.programmingModel.getCapabilities({ ...WORKER_CAPABILITIES });
    } catch (err) {
      withdrawAdapters();
      close();
      throw new AppLoadError(`The app failed to start: ${(err as Error).message}`);
    }

    const consumers = new ConsumerLog(log);
    const byType = (kind: 'inputTypes' | 'outputTypes', type: string) => extensionFor(extensions, kind, type);
    const worker = (late.worker = new FunctionWorker(
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
    ));
    const http = (late.http = new HostHttpServer({
      worker,
      log,
      routePrefix,
      limits,
      guard,
      committed: () => committed(db),
      stream: capabilities.HttpUri ? new HttpStreamProxy(capabilities.HttpUri, worker, log) : undefined,
    }));

    const host = new LocalHost({
      db,
      clock,
      worker,
      log,
      core,
      http,
      extensions,
      dbFile,
      keys,
      withdrawAdapters,
      lock,
      consumers,
    });
    try {
      host.functions = loadFunctions({
        functions: worker.functions.values(),
        extensions,
        http,
        settings,
        log,
      });
      addAdminRoutes({ routes: http, worker, extensions, functions: host.functions, clock, keys, log });
      if (dev) addDevSignInRoute(http, settings.LOCAL_AUTH_SECRET);
      await http.listen(options.port ?? 7071);
      for (const ext of extensions) await ext.start?.();
      writeHostRecord(dbFile, host.url);
      host.recorded = true;
    } catch (err) {
      await host.stop();
      throw err;
    }
    return host;
  }

  /** The start-up listing, as `func start` prints it. */
  describeFunctions(): string {
    return describeFunctions(this.functions, this.url);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.recorded) removeHostRecord(this.dbFile, this.url);
    for (const ext of [...this.extensions].reverse()) {
      try {
        await ext.stop?.();
      } catch (err) {
        this.log.error(`Stopping ${ext.name} failed`, err);
      }
    }
    await this.http.close().catch(() => undefined);
    await this.core
      .runAppHooks('appTerminate')
      .catch((err) => this.log.error('An appTerminate hook failed', err));
    this.clock.dispose();
    this.consumers.stop();
    this.withdrawAdapters();
    withdrawService('db', this.db);
    withdrawService('clock', this.clock);
    closeDatabase(this.db);
    this.lock.release();
  }
}

/**
 * The clock offset kept in the data file. One out of range (a file written by an older host, or
 * edited by hand) is reported and ignored: the clock starts at real time rather than the host not
 * at all, and the next move of the clock replaces it.
 */
function storedClockOffset(db: Database, log: Logger): number {
  const stored = readState(db, CLOCK_OFFSET_KEY);
  if (stored === undefined) return 0;
  const offset = Number(stored);
  if (isValidClockOffset(offset)) return offset;
  log.warn(`The stored clock offset "${stored}" ms is out of range; the clock starts at real time.`);
  return 0;
}

export { AppLoadError };
export type { FunctionListing };
