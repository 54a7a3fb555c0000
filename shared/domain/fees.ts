// Late fees, charged at return: by whole calendar days late, counted in the library's time zone.
import { isOnLoan, type RentalStatus } from './rental';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Fee in KRW by days late: 1–7 → 500, 8–14 → 1000, 15+ → 2000, on time → 0. */
export function lateFee(lateDays: number): number {
  if (lateDays <= 0) return 0;
  if (lateDays <= 7) return 500;
  if (lateDays <= 14) return 1000;
  return 2000;
}

/**
 * Whole calendar days between the due date and the return date, both read in `timeZone`:
 * returned later on the due day → 0; any time on the next calendar day → 1.
 */
export function lateDays(dueAt: string, returnedAt: string, timeZone: string): number {
  const days = calendarDay(returnedAt, timeZone) - calendarDay(dueAt, timeZone);
  return Math.max(0, days);
}

/** True when `timeZone` is an IANA zone this runtime knows. */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

// Day number (days since 1970-01-01) of the calendar date that `iso` falls on in `timeZone`.
function calendarDay(iso: string, timeZone: string): number {
  const parts = dateFormat(timeZone).formatToParts(new Date(iso));
  const part = (type: Intl.DateTimeFormatPartTypes): number =>
    Number(parts.find((p) => p.type === type)?.value);
  return Date.UTC(part('year'), part('month') - 1, part('day')) / DAY_MS;
}

const formats = new Map<string, Intl.DateTimeFormat>();

// Building a DateTimeFormat is costly; one per zone is enough.
function dateFormat(timeZone: string): Intl.DateTimeFormat {
  let f = formats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: 'numeric', day: 'numeric' });
    formats.set(timeZone, f);
  }
  return f;
}

/** How a loan stands at `now`: past its due time, and the fee a return now would be charged. */
export interface LoanStanding {
  overdue: boolean;
  feeIfReturnedNow: number;
}

/** A rental not on loan (requested, rejected, returned) is never overdue and owes nothing more. */
export function loanStanding(
  loan: { status: RentalStatus; dueAt?: string },
  now: string,
  timeZone: string,
): LoanStanding {
  if (!isOnLoan(loan.status) || loan.dueAt === undefined) return { overdue: false, feeIfReturnedNow: 0 };
  return {
    overdue: Date.parse(now) > Date.parse(loan.dueAt),
    feeIfReturnedNow: lateFee(lateDays(loan.dueAt, now, timeZone)),
  };
}
