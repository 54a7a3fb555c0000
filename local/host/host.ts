// The local host: loads a compiled v4 function app unchanged, captures its registrations through
// `@azure/functions-core`, and serves them with the embedded extensions, all state in one SQLite file.

import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { addAdminRoutes, findFunction, takesNoInput } from './admin-routes';
import { AppInstance } from './app-instance';
import { addDevSignInRoute } from './dev-sign-in';
import { HostClock, isValidClockOffset } from './clock';
import { ConsumerThreads, MAIN_THREAD_HOLDER } from './consumer-threads';
import { closeDatabase, committed, openDatabase, readState, writeState } from './db';
import { lockDataFile, type DataFileLock } from './data-file-lock';
import { defaultExtensions } from './extensions';
import { HttpFront, privateSocketPath } from './http-front';
import { HostHttpServer, httpSettings } from './http-server';
import { removeHostRecord, writeHostRecord } from './host-record';
import { resolveHostKeys, type HostKeys } from './keys';
import { createLogger, type Logger, type LogLevel } from './logger';
import { describeFunctions, type FunctionListing } from './function-loading';
import { HttpStreamProxy } from './http-stream';
import { RequestGuard } from './request-guard';
import { AppLoadError, findApp, withHostJsonOverrides } from './app-loader';
import { addFaultRoutes } from '../faults/admin-routes';
import { writeFaultSettings } from '../faults/plan';
import { FAULT_SERVICES, parseFaultSettings, type FaultSettings } from '../faults/settings';
import { consumerThreadOf } from './thread-plan';
import type { Database, ExtensionFactory, Worker } from './types';
import { joinWakeups, leaveWakeups } from './wakeups';
import { WriteLock } from './write-lock';

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
  /**
   * Consumer threads (`consumer-threads.ts`): the trigger consumers run on this many threads beside
   * the main one, which keeps HTTP and the durable task hub. Default 0: everything on one thread.
   */
  workers?: number;
}

const CLOCK_OFFSET_KEY = 'clock.offsetMs';
// A consumer thread waits at most this long (and one transaction) for the main thread's group of
// writes, which otherwise lasts its whole event-loop turn: long under load, and every change a
// consumer thread projects waits behind it (`write-lock.ts`).
const LET_CONSUMERS_IN_AFTER_MS = 5;

export class LocalHost {
  functions: readonly FunctionListing[] = [];
  private stopped = false;
  /** Whether this host wrote the record the command-line tools find it by (`host-record.ts`). */
  private recorded = false;
  /** The consumer threads, when the host runs any. */
  threads?: ConsumerThreads;

  readonly db: Database;
  readonly clock: HostClock;
  readonly log: Logger;
  readonly dbFile: string;
  /** The master key and the system keys (LOCAL_MASTER_KEY, LOCAL_DURABLE_SYSTEM_KEY, or kept beside the data file). */
  readonly keys: HostKeys;
  private readonly instance: AppInstance;
  private readonly http: HostHttpServer;
  /** The thread that takes HTTP on the host's port (`http-front.ts`); set once the host listens. */
  front?: HttpFront;
  /** The main thread's socket, which the front passes requests to. */
  private readonly socket: ReturnType<typeof privateSocketPath>;
  private readonly lock: DataFileLock;

  private constructor(parts: {
    db: Database;
    clock: HostClock;
    log: Logger;
    dbFile: string;
    keys: HostKeys;
    instance: AppInstance;
    http: HostHttpServer;
    socket: ReturnType<typeof privateSocketPath>;
    lock: DataFileLock;
  }) {
    ({ db: this.db, clock: this.clock, log: this.log, dbFile: this.dbFile, keys: this.keys } = parts);
    ({ instance: this.instance, http: this.http, socket: this.socket, lock: this.lock } = parts);
  }

  get worker(): Worker {
    return this.instance.worker;
  }

  get url(): string {
    return this.front!.url;
  }

  get port(): number {
    return this.front!.port;
  }

  static async start(options: LocalHostOptions): Promise<LocalHost> {
    const log = options.logger ?? createLogger(options.logLevel ?? 'info');
    const found = findApp(options.appDir);
    const settings: Record<string, string | undefined> = { ...found.localValues, ...process.env };
    const app = { ...found, hostJson: withHostJsonOverrides(found.hostJson, settings) };
    for (const [k, v] of Object.entries(app.localValues)) process.env[k] ??= v;

    const dbFile = options.dbFile ?? '.data/local.db';
    const workers = options.workers ?? 0;
    if (!Number.isInteger(workers) || workers < 0) throw new AppLoadError('--workers must be 0 or more.');
    // The threads share the data file through connections of their own; a `:memory:` database is one
    // connection's alone.
    const threadCount = dbFile === ':memory:' ? 0 : workers;
    if (threadCount < workers) log.debug('A :memory: data file runs everything on one thread.');
    let httpConfig: ReturnType<typeof httpSettings>;
    try {
      httpConfig = httpSettings(app.hostJson, settings);
    } catch (err) {
      throw new AppLoadError((err as Error).message);
    }
    const { routePrefix, limits } = httpConfig;
    const { maxConcurrentRequests, maxOutstandingRequests } = limits;
    let faults: FaultSettings;
    try {
      faults = parseFaultSettings(settings.LOCAL_FAULTS, Date.now());
    } catch (err) {
      throw new AppLoadError((err as Error).message);
    }
    const keys = resolveHostKeys(dbFile, settings);
    // Before the file is touched: a second host on it stops here, naming the one that runs.
    const lock = lockDataFile(dbFile);
    const writeLock =
      threadCount > 0
        ? new WriteLock(WriteLock.newBuffer(), MAIN_THREAD_HOLDER, LET_CONSUMERS_IN_AFTER_MS)
        : undefined;
    let db: Database;
    try {
      db = openDatabase(dbFile, {
        groupCommit: true,
        writeLock,
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
    const wakeups = threadCount > 0 ? `local-functions-host ${randomUUID()}` : undefined;
    if (wakeups) joinWakeups(db, wakeups);
    const close = (): void => {
      leaveWakeups(db);
      closeDatabase(db);
      lock.release();
    };
    const dev = options.dev === true;
    const clock = new HostClock(dev, dev ? storedClockOffset(db, log) : 0, (offset) =>
      writeState(db, CLOCK_OFFSET_KEY, String(offset)),
    );
    // Every stand-in on this file follows the plan from here on (none given: none left from before).
    writeFaultSettings(db, faults);
    if (settings.LOCAL_FAULTS) log.warn(`Injecting faults (LOCAL_FAULTS): ${describeFaults(faults)}`);

    // The HTTP server comes once the registrations are known, the front once it listens; the guard
    // and the extensions' routes reach them through `host`.
    const late: { http?: HostHttpServer; instance?: AppInstance; host?: LocalHost } = {};
    const guard = new RequestGuard(
      keys,
      dev,
      () => late.host!.port,
      (name) => {
        const fn = late.instance && findFunction(late.instance.worker, name);
        return fn !== undefined && takesNoInput(fn);
      },
    );
    let instance: AppInstance;
    try {
      instance = late.instance = await AppInstance.load({
        app,
        db,
        clock,
        log,
        settings,
        dev,
        keys,
        extensions: options.extensions ?? defaultExtensions,
        routes: { add: (method, template, handler) => late.http!.add(method, template, handler) },
        baseUrl: () => late.host!.url,
        authorize: (template, req) => guard.missingKey(template, req),
        mainThread: true,
        runsHere: (fn, functions) => consumerThreadOf(fn, functions, threadCount) === undefined,
      });
    } catch (err) {
      close();
      throw err;
    }
    const { worker, capabilities } = instance;
    const http = (late.http = new HostHttpServer({
      worker,
      log,
      routePrefix,
      maxRequestBodyBytes: limits.maxRequestBodyBytes,
      guard,
      committed: () => committed(db),
      stream: capabilities.HttpUri ? new HttpStreamProxy(capabilities.HttpUri, worker, log) : undefined,
    }));

    const socket = privateSocketPath();
    const host = (late.host = new LocalHost({ db, clock, log, dbFile, keys, instance, http, socket, lock }));
    try {
      host.functions = instance.loadFunctions(http);
      addAdminRoutes({
        routes: http,
        worker,
        extensions: instance.extensions,
        functions: host.functions,
        clock,
        keys,
        log,
        threads: () => host.threads,
      });
      if (dev) {
        addDevSignInRoute(http, settings.LOCAL_AUTH_SECRET);
        addFaultRoutes(http, db);
      }
      await http.listen(socket.path);
      host.front = await HttpFront.start(
        {
          port: options.port ?? 7071,
          hostname: '127.0.0.1',
          target: socket.path,
          limits: { maxConcurrentRequests, maxOutstandingRequests },
        },
        log,
      );
      await instance.start();
      if (threadCount > 0) {
        host.threads = await ConsumerThreads.start({
          count: threadCount,
          appDir: app.appDir,
          dbFile: path.resolve(dbFile),
          dev,
          baseUrl: host.url,
          keys,
          lock: writeLock!.buffer,
          clock,
          wakeups: wakeups!,
          log,
          logLevel: options.logger ? 'debug' : (options.logLevel ?? 'info'),
        });
      }
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
    // The consumer threads first: they may still call the main thread (a durable client) as they finish.
    await this.threads?.stop();
    await this.instance.stop();
    await this.front?.stop();
    await this.http.close().catch(() => undefined);
    this.socket.remove();
    await this.instance.terminate();
    this.clock.dispose();
    leaveWakeups(this.db);
    closeDatabase(this.db);
    this.lock.release();
  }
}

/** One line for the start-up log: what fails how often, and the outages to come. */
function describeFaults(faults: FaultSettings): string {
  const parts: string[] = [];
  for (const service of FAULT_SERVICES) {
    const rates = Object.entries(faults.rates[service]).filter(([, r]) => (r ?? 0) > 0);
    if (rates.length)
      parts.push(`${service} ${rates.map(([op, r]) => `${op} ${(r ?? 0) * 100}%`).join(', ')}`);
    const latency = faults.latencyMs[service];
    if (latency) parts.push(`${service} latency ${latency[0]}–${latency[1]} ms`);
  }
  for (const o of faults.outages)
    parts.push(`${o.service} out ${new Date(o.fromMs).toISOString()} – ${new Date(o.untilMs).toISOString()}`);
  return `${parts.join('; ') || 'nothing'} (seed ${faults.seed}).`;
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
