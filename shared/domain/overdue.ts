// The overdue watch: what the overdue timer does with a loan when it looks at it, and when it must look
// again. A loan is looked at a day before it is due (a due-soon notice), when it falls due (it becomes
// OVERDUE), and then every `reminderDays` while it stays out (an overdue reminder). Each step is a fact
// with its own key, so doing it twice does nothing more.
import { isOnLoan, type RentalStatus } from './rental';

const DAY_MS = 24 * 60 * 60 * 1000;

/** How long before the due date the due-soon notice goes out. */
export const DUE_SOON_MS = DAY_MS;

export const DEFAULT_OVERDUE_REMINDER_DAYS = 3;

/** When the timer first looks at a loan due at `dueAt`: a day before (the due-soon notice). */
export function firstDueCheck(dueAt: string): string {
  return new Date(Date.parse(dueAt) - DUE_SOON_MS).toISOString();
}

export type DueStep =
  /** Due within a day: tell the member once (per due date); look again when it falls due. */
  | { kind: 'due-soon'; nextCheckAt: string }
  /** Past due and still APPROVED: it becomes OVERDUE; look again at the first reminder. */
  | { kind: 'overdue'; nextCheckAt: string }
  /** OVERDUE for another `reminderDays`: reminder number `reminder` (1, 2, ...); look again at the next. */
  | { kind: 'reminder'; reminder: number; nextCheckAt: string }
  /** Nothing to do yet (looked at early, or no longer on loan): look again then, or never (null). */
  | { kind: 'none'; nextCheckAt: string | null };

/**
 * What the overdue timer does with a loan at `now` (ISO times). Past due means past the due time, as
 * everywhere else (`loanStanding`, renewals). A loan the timer reaches only after its due date (the
 * timer was stopped) skips its due-soon notice; one it reaches days late gets the reminder that is
 * due now, not every one it missed.
 */
export function dueStep(
  loan: { status: RentalStatus; dueAt?: string },
  now: string,
  reminderDays: number,
): DueStep {
  if (!isOnLoan(loan.status) || loan.dueAt === undefined) return { kind: 'none', nextCheckAt: null };
  const due = Date.parse(loan.dueAt);
  const at = Date.parse(now);
  const every = reminderDays * DAY_MS;
  if (loan.status === 'APPROVED') {
    if (at < due - DUE_SOON_MS) return { kind: 'none', nextCheckAt: firstDueCheck(loan.dueAt) };
    if (at <= due) return { kind: 'due-soon', nextCheckAt: new Date(due + 1).toISOString() };
    return { kind: 'overdue', nextCheckAt: new Date(due + every).toISOString() };
  }
  // OVERDUE: reminder n is due `n × reminderDays` after the due date.
  const reminder = Math.floor((at - due) / every);
  if (reminder < 1) return { kind: 'none', nextCheckAt: new Date(due + every).toISOString() };
  return { kind: 'reminder', reminder, nextCheckAt: new Date(due + (reminder + 1) * every).toISOString() };
}
