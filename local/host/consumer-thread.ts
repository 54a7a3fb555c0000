// A consumer thread of the local host (`consumer-threads.ts` starts it): another instance of the
// app, on a connection of its own to the host's data file, running the trigger consumers placed on
// it (`thread-plan.ts`). It writes under the host's write lock, tells the other threads of its
// commits (`wakeups.ts`), shows the host's one clock, and sends its log lines to the main thread. A
// durable client here reaches the task hub over HTTP, as from another instance in Azure.
import { parentPort, workerData } from 'node:worker_threads';
import { faultPlan } from '../faults/plan';
import { AppInstance } from './app-instance';
import { findApp, withHostJsonOverrides } from './app-loader';
import { HostClock } from './clock';
import type { FromThread, ThreadData, ToThread } from './consumer-threads';
import { counts } from './counters';
import { closeDatabase, openDatabase } from './db';
import { defaultExtensions } from './extensions';
import type { Logger, LogLevel } from './logger';
import { consumerThreadOf } from './thread-plan';
import { joinWakeups, leaveWakeups } from './wakeups';
import { WriteLock } from './write-lock';

const data = workerData as ThreadData;
// What the main thread's commits wrote is gathered this long before the consumers here run on it:
// one run (and one commit of its own) for several of its commits, not one each. Each of those
// commits makes the other connection drop its page cache, and a commit that cuts into the main
// thread's group makes it wait; the gathering adds at most this much to the projection lag.
const GATHER_MS = 5;
// The main thread waits at most this long (and one transaction) for a group of writes here.
const LET_MAIN_IN_AFTER_MS = 1;
const port = parentPort!;
const post = (message: FromThread): void => port.postMessage(message);

const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];
const shown = (level: LogLevel): boolean => LEVELS.indexOf(level) >= LEVELS.indexOf(data.logLevel);
const forward =
  (level: LogLevel) =>
  (message: string): void => {
    if (shown(level)) post({ kind: 'log', level, message });
  };
const log: Logger = {
  debug: forward('debug'),
  info: forward('info'),
  warn: forward('warn'),
  error: (message, err) =>
    forward('error')(
      err === undefined
        ? message
        : `${message}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
    ),
};

async function main(): Promise<void> {
  const found = findApp(data.appDir);
  // process.env is this thread's copy of the main thread's, which already holds local.settings.json's values.
  const settings: Record<string, string | undefined> = { ...found.localValues, ...process.env };
  const app = { ...found, hostJson: withHostJsonOverrides(found.hostJson, settings) };
  const db = openDatabase(data.dbFile, {
    groupCommit: true,
    writeLock: new WriteLock(data.lock, data.holder, LET_MAIN_IN_AFTER_MS),
    checkpoints: false,
    // This thread has acted on writes the file does not hold: end it; the host starts another.
    onCommitFailure: (err) => {
      log.error('Committing to the data file failed; ending this consumer thread', err);
      process.exit(70);
    },
  });
  joinWakeups(db, data.wakeups, GATHER_MS);
  faultPlan(db).diceOf(data.index + 1);
  const clock = HostClock.following(data.clock);
  const instance = await AppInstance.load({
    app,
    db,
    clock,
    log,
    settings,
    dev: data.dev,
    keys: data.keys,
    extensions: defaultExtensions,
    // No HTTP here: the main thread serves the host's routes and checks their keys.
    routes: { add: () => undefined },
    baseUrl: () => data.baseUrl,
    authorize: () => undefined,
    mainThread: false,
    runsHere: (fn, functions) => consumerThreadOf(fn, functions, data.threads) === data.index,
  });
  instance.loadFunctions();
  await instance.start();

  let stopping = false;
  port.on('message', (message: ToThread) => {
    switch (message.kind) {
      case 'clock':
        clock.followMove();
        return;
      case 'counts':
        post({ kind: 'counts', id: message.id, counts: counts() });
        return;
      case 'stop':
        if (stopping) return;
        stopping = true;
        void (async () => {
          await instance.stop();
          await instance.terminate();
          clock.dispose();
          leaveWakeups(db);
          closeDatabase(db);
          process.exit(0);
        })();
    }
  });
  post({ kind: 'ready' });
}

main().catch((err: unknown) => {
  log.error(`Consumer thread ${data.index + 1} could not start`, err);
  process.exit(1);
});
