// The local host: loads a compiled v4 function app unchanged, captures its registrations through
// `@azure/functions-core`, and serves them with the embedded extensions, all state in one SQLite file.

import { installCoreApi, type CoreApi } from './core-api';
import { HostClock, isValidClockOffset, parseIsoDuration } from './clock';
import { closeDatabase, committed, openDatabase, readState, writeState } from './db';
import { defaultExtensions } from './extensions';
import { HostHttpServer, httpSettings } from './http-server';
import { removeHostRecord, writeHostRecord } from './host-record';
import { resolveHostKeys, type HostKeys } from './keys';
import { createLogger, type Logger, type LogLevel } from './logger';
import { hostProblem } from './problem';
import { RequestGuard } from './request-guard';
import { publishService, withdrawService } from './services';
import { injectAdapters } from '../../shared/injected-adapters';
import { embeddedAdapters } from '../adapters';
import { AppLoadError, findApp } from './app-loader';
import type {
  BindingInfo,
  Database,
  ExtensionFactory,
  HostContext,
  HostExtension,
  InternalRequest,
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

export interface FunctionListing {
  name: string;
  trigger: string;
  detail: string;
}

const CLOCK_OFFSET_KEY = 'clock.offsetMs';

export class LocalHost {
  readonly functions: FunctionListing[] = [];
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
  }) {
    ({ db: this.db, clock: this.clock, worker: this.worker, log: this.log, dbFile: this.dbFile } = parts);
    ({ keys: this.keys, core: this.core, http: this.http, extensions: this.extensions } = parts);
    this.withdrawAdapters = parts.withdrawAdapters;
  }

  get url(): string {
    return this.http.url;
  }

  get port(): number {
    return Number(new URL(this.http.url).port);
  }

  static async start(options: LocalHostOptions): Promise<LocalHost> {
    const log = options.logger ?? createLogger(options.logLevel ?? 'info');
    const app = findApp(options.appDir);
    const settings: Record<string, string | undefined> = { ...app.localValues, ...process.env };
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
    const db = openDatabase(dbFile, {
      groupCommit: true,
      // The process has acted on writes the file does not hold: stop rather than go on diverged.
      onCommitFailure: (err) => {
        log.error('Committing to the data file failed; stopping the host', err);
        process.exit(70);
      },
    });
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
    const guard = new RequestGuard(keys, dev, () => late.http!.port);
    const context: HostContext = {
      db,
      clock,
      log,
      hostJson: app.hostJson,
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
      closeDatabase(db);
      throw new AppLoadError(`The app failed to load: ${(err as Error).message}`);
    }
    if (!core.programmingModel || core.registrations.size === 0) {
      withdrawAdapters();
      closeDatabase(db);
      throw new AppLoadError(`The app in ${app.appDir} registered no functions.`);
    }

    const byType = (
      key: 'triggerTypes' | 'inputTypes' | 'outputTypes',
      type: string,
    ): HostExtension | undefined =>
      extensions.find((e) => (e[key] ?? []).some((t) => t.toLowerCase() === type.toLowerCase()));
    const worker = (late.worker = new FunctionWorker(core, log, {
      input: (fn: RegisteredFunction, name: string, binding: BindingInfo) => {
        const ext = byType('inputTypes', binding.type);
        if (!ext?.input) throw new Error(`No extension serves input bindings of type "${binding.type}".`);
        return ext.input(fn, name, binding);
      },
      output: async (fn: RegisteredFunction, name: string, binding: BindingInfo, value: unknown) => {
        const ext = byType('outputTypes', binding.type);
        if (!ext?.output) throw new Error(`No extension serves output bindings of type "${binding.type}".`);
        await ext.output(fn, name, binding, value);
      },
    }));
    const http = (late.http = new HostHttpServer({
      worker,
      log,
      routePrefix,
      limits,
      guard,
      committed: () => committed(db),
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
    });
    try {
      for (const fn of worker.functions.values()) {
        // As in Azure: app setting `AzureWebJobs.<name>.Disabled` = true keeps a function from running.
        if (/^(true|1)$/i.test(settings[`AzureWebJobs.${fn.name}.Disabled`] ?? '')) {
          host.functions.push({ name: fn.name, trigger: fn.trigger.binding.type, detail: 'disabled' });
          continue;
        }
        for (const b of Object.values(fn.metadata.bindings)) {
          if (b === fn.trigger.binding || b.type.toLowerCase() === 'http') continue;
          const key = b.direction === 'out' ? 'outputTypes' : 'inputTypes';
          if (!byType(key, b.type))
            throw new AppLoadError(`Function "${fn.name}": no extension serves "${b.type}" bindings.`);
        }
        const type = fn.trigger.binding.type;
        if (type.toLowerCase() === 'httptrigger') {
          const { methods, path: p } = http.addFunction(fn);
          host.functions.push({
            name: fn.name,
            trigger: 'httpTrigger',
            detail: `[${methods.join(',')}] ${p}`,
          });
          continue;
        }
        const ext = byType('triggerTypes', type);
        if (!ext) throw new AppLoadError(`Function "${fn.name}": no extension serves "${type}" triggers.`);
        ext.addFunction?.(fn);
        host.functions.push({ name: fn.name, trigger: type, detail: ext.describe?.(fn) ?? '' });
      }
      host.addAdminRoutes();
      await http.listen(options.port ?? 7071);
      await core.runHooks('appStart', { hookData: {}, appHookData: {} });
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
    const lines = ['Functions:', ''];
    for (const f of this.functions) {
      lines.push(
        f.trigger === 'httpTrigger'
          ? `\t${f.name}: ${f.detail.replace(/ \//, ` ${this.url}/`)}`
          : `\t${f.name}: ${f.trigger}${f.detail ? ` (${f.detail})` : ''}`,
      );
      lines.push('');
    }
    return lines.join('\n');
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
    await this.core.runHooks('appTerminate', { hookData: {}, appHookData: {} }).catch(() => undefined);
    this.clock.dispose();
    this.withdrawAdapters();
    withdrawService('db', this.db);
    withdrawService('clock', this.clock);
    closeDatabase(this.db);
  }

  private addAdminRoutes(): void {
    const routes = this.http;
    routes.add('GET', 'admin/host/status', () => ({
      status: 200,
      body: {
        id: 'local',
        state: 'Running',
        version: '4.x-local',
        processUptime: Math.round(process.uptime() * 1000),
        // Resident memory now and at its peak (maxRSS is in kilobytes), for operators and the benchmark.
        memory: {
          rssMB: Math.round(process.memoryUsage().rss / 2 ** 20),
          peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
        },
      },
    }));
    routes.add('POST', 'admin/functions/{name}', async (req: InternalRequest) => {
      const fn = [...this.worker.functions.values()].find(
        (f) => f.name.toLowerCase() === req.params.name.toLowerCase(),
      );
      if (!fn) return hostProblem(404, `No function named "${req.params.name}".`);
      const ext = this.extensions.find((e) =>
        e.triggerTypes.some((t) => t.toLowerCase() === fn.trigger.binding.type.toLowerCase()),
      );
      if (!ext?.runNow)
        return hostProblem(
          400,
          `"${fn.name}" (${fn.trigger.binding.type}) cannot be run from the admin API.`,
        );
      let input: unknown;
      try {
        input = req.body.length
          ? (JSON.parse(req.body.toString('utf8')) as { input?: unknown }).input
          : undefined;
      } catch {
        return hostProblem(400, 'The body must be JSON: {"input": ...}.');
      }
      // Like the Functions host: accepted at once, the run happens in the background.
      ext.runNow(fn, input).catch((err) => this.log.error(`Admin run of "${fn.name}" failed`, err));
      return { status: 202 };
    });
    const clockState = () => ({
      status: 200,
      body: { now: new Date(this.clock.now()).toISOString(), controllable: this.clock.controllable },
    });
    routes.add('GET', 'admin/clock', clockState);
    routes.add('POST', 'admin/clock', (req: InternalRequest) => {
      if (!this.clock.controllable)
        return hostProblem(403, 'The clock can be moved only when the host runs with --dev.');
      let body: { advanceBy?: unknown; set?: unknown };
      try {
        body = JSON.parse(req.body.toString('utf8') || '{}') as typeof body;
      } catch {
        return hostProblem(
          400,
          'The body must be JSON: {"advanceBy": "P8D"} or {"set": "2026-01-01T00:00:00Z"}.',
        );
      }
      try {
        if (typeof body.advanceBy === 'string') this.clock.advance(parseIsoDuration(body.advanceBy));
        else if (typeof body.set === 'string' && !Number.isNaN(Date.parse(body.set)))
          this.clock.set(Date.parse(body.set));
        else return hostProblem(400, 'Give "advanceBy" (an ISO 8601 duration) or "set" (an ISO 8601 time).');
      } catch (err) {
        return hostProblem(400, (err as Error).message);
      }
      return clockState();
    });
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
