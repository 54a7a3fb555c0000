// Timer triggers: six-field NCRONTAB schedules ({second} {minute} {hour} {day} {month} {day-of-week})
// or a TimeSpan ("00:05:00"), `runOnStartup`, and the schedule monitor: the last and next run are
// kept in the data file, so a schedule missed while the host was down runs once at start with
// `isPastDue: true`, as the Functions host does. Time comes from the host clock.
import { Cron } from 'croner';
import { readState, writeState } from './db';
import { RetryingInvoker } from './retry-policy';
import type { ExtensionFactory, HostContext, RegisteredFunction } from './types';

interface ScheduleStatus {
  last: string;
  next: string;
  lastUpdated: string;
}

interface Schedule {
  next(fromMs: number): number;
  /** Longer than a minute: the schedule monitor applies by default (as in Azure). */
  readonly coarse: boolean;
}

export function parseSchedule(expression: string, timeZone: string | undefined): Schedule {
  const span = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})$/.exec(expression.trim());
  if (span) {
    const [, d, h, m, s] = span.map((v) => Number(v ?? 0));
    const period = (((d * 24 + h) * 60 + m) * 60 + s) * 1000;
    if (period <= 0) throw new Error(`Timer schedule "${expression}" must be longer than zero.`);
    return { next: (from) => from + period, coarse: period > 60_000 };
  }
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 6) {
    throw new Error(
      `Timer schedule "${expression}" must have six fields: {second} {minute} {hour} {day} {month} {day-of-week}.`,
    );
  }
  // NCRONTAB requires both day-of-month and day-of-week to match when both are restricted (unlike
  // Vixie cron's "either"); croner's non-legacy mode does the same.
  const cron = new Cron(expression, { paused: true, timezone: timeZone, legacyMode: false });
  const a = cron.nextRun(new Date(0));
  const b = a && cron.nextRun(a);
  return {
    next: (from) => {
      const n = cron.nextRun(new Date(from));
      if (!n) throw new Error(`Timer schedule "${expression}" has no next occurrence.`);
      return n.getTime();
    },
    coarse: !a || !b || b.getTime() - a.getTime() > 60_000,
  };
}

interface TimerState {
  fn: RegisteredFunction;
  schedule: Schedule;
  useMonitor: boolean;
  runOnStartup: boolean;
  cancel?: () => void;
  running?: Promise<void>;
  status?: ScheduleStatus;
}

export const createTimerExtension: ExtensionFactory = (host: HostContext) => {
  const timers = new Map<string, TimerState>();
  const invoker = new RetryingInvoker(host);
  let stopped = false;
  const timeZone = host.settings.WEBSITE_TIME_ZONE || host.settings.TZ || undefined;
  const iso = (ms: number): string => new Date(ms).toISOString();
  const stateKey = (fn: RegisteredFunction): string => `timer:${fn.name}`;

  async function run(t: TimerState, isPastDue: boolean): Promise<void> {
    const now = host.clock.now();
    const last = t.status?.next ?? iso(now);
    const next = iso(t.schedule.next(now));
    const status: ScheduleStatus = { last, next, lastUpdated: iso(now) };
    const timer = {
      Schedule: { AdjustForDST: true },
      ScheduleStatus: t.useMonitor
        ? { Last: status.last, Next: status.next, LastUpdated: status.lastUpdated }
        : null,
      IsPastDue: isPastDue,
    };
    await invoker.invoke(
      t.fn.name,
      { trigger: timer },
      t.fn.metadata.retryOptions,
      (more) => `Timer function "${t.fn.name}" failed${more ? '; retrying' : ''}`,
    );
    t.status = status;
    if (t.useMonitor) writeState(host.db, stateKey(t.fn), JSON.stringify(status));
  }

  function arm(t: TimerState): void {
    if (stopped) return;
    const due = t.status ? Date.parse(t.status.next) : t.schedule.next(host.clock.now());
    if (!t.status)
      t.status = { last: iso(host.clock.now()), next: iso(due), lastUpdated: iso(host.clock.now()) };
    t.cancel = host.clock.at(due, () => {
      t.running = run(t, false).finally(() => {
        t.running = undefined;
        arm(t);
      });
    });
  }

  return {
    name: 'timers',
    triggerTypes: ['timerTrigger'],
    addFunction(fn) {
      const b = fn.trigger.binding;
      const schedule = parseSchedule(String(b.schedule ?? ''), timeZone);
      const useMonitor = typeof b.useMonitor === 'boolean' ? b.useMonitor : schedule.coarse;
      timers.set(fn.name, { fn, schedule, useMonitor, runOnStartup: b.runOnStartup === true });
    },
    describe(fn) {
      return `schedule ${String(fn.trigger.binding.schedule)}`;
    },
    async start() {
      for (const t of timers.values()) {
        if (!host.runsHere(t.fn)) continue;
        const saved = t.useMonitor ? readState(host.db, stateKey(t.fn)) : undefined;
        t.status = saved ? (JSON.parse(saved) as ScheduleStatus) : undefined;
        const pastDue = t.status !== undefined && Date.parse(t.status.next) <= host.clock.now();
        if (pastDue || t.runOnStartup) {
          if (pastDue) t.status = { ...t.status!, next: iso(host.clock.now()) };
          t.running = run(t, pastDue).finally(() => {
            t.running = undefined;
            arm(t);
          });
        } else {
          if (t.useMonitor && !t.status) {
            const now = host.clock.now();
            t.status = { last: iso(now), next: iso(t.schedule.next(now)), lastUpdated: iso(now) };
            writeState(host.db, stateKey(t.fn), JSON.stringify(t.status));
          }
          arm(t);
        }
      }
    },
    async runNow(fn) {
      const t = timers.get(fn.name);
      if (!t) throw new Error(`No timer function "${fn.name}".`);
      await host.worker.invoke(fn.name, {
        trigger: { Schedule: { AdjustForDST: true }, ScheduleStatus: null, IsPastDue: false },
      });
    },
    async stop() {
      stopped = true;
      invoker.stop();
      for (const t of timers.values()) t.cancel?.();
      await Promise.all([...timers.values()].map((t) => t.running));
    },
  };
};
