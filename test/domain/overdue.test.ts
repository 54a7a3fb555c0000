// What the overdue timer does with a loan at a given time, and when it looks again.
import { describe, expect, it } from 'vitest';
import { dueStep, firstDueCheck } from '../../shared/domain/overdue';

const due = '2026-12-10T09:00:00.000Z';
const at = (hours: number) => new Date(Date.parse(due) + hours * 3_600_000).toISOString();

describe('the overdue watch', () => {
  it('first looks a day before the due date', () => {
    expect(firstDueCheck(due)).toBe(at(-24));
  });

  it('an APPROVED loan: nothing before the day before, due-soon within it, OVERDUE past the due time', () => {
    const loan = { status: 'APPROVED' as const, dueAt: due };
    expect(dueStep(loan, at(-30), 3)).toEqual({ kind: 'none', nextCheckAt: at(-24) });
    expect(dueStep(loan, at(-24), 3)).toEqual({ kind: 'due-soon', nextCheckAt: '2026-12-10T09:00:00.001Z' });
    expect(dueStep(loan, due, 3).kind).toBe('due-soon');
    expect(dueStep(loan, at(1), 3)).toEqual({ kind: 'overdue', nextCheckAt: at(72) });
    // Reached only days late (the timer was stopped): OVERDUE, no due-soon.
    expect(dueStep(loan, at(24 * 10), 3)).toEqual({ kind: 'overdue', nextCheckAt: at(72) });
  });

  it('an OVERDUE loan: a reminder every reminderDays after the due date, the one due now only', () => {
    const loan = { status: 'OVERDUE' as const, dueAt: due };
    expect(dueStep(loan, at(71), 3)).toEqual({ kind: 'none', nextCheckAt: at(72) });
    expect(dueStep(loan, at(72), 3)).toEqual({ kind: 'reminder', reminder: 1, nextCheckAt: at(144) });
    expect(dueStep(loan, at(150), 3)).toEqual({ kind: 'reminder', reminder: 2, nextCheckAt: at(216) });
    expect(dueStep(loan, at(24 * 30), 2)).toEqual({
      kind: 'reminder',
      reminder: 15,
      nextCheckAt: at(24 * 32),
    });
  });

  it('a rental not on loan is not watched', () => {
    expect(dueStep({ status: 'RETURNED', dueAt: due }, at(100), 3)).toEqual({
      kind: 'none',
      nextCheckAt: null,
    });
    expect(dueStep({ status: 'REJECTED' }, at(100), 3)).toEqual({ kind: 'none', nextCheckAt: null });
  });
});
