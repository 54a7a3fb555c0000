// Who is calling, once authenticated: a librarian (acts for anyone) or a member (acts for itself).
import { fail, type Outcome } from './outcome';

export type Caller =
  { role: 'librarian'; subject: string } | { role: 'member'; subject: string; memberId: string };

/** A librarian may act for any member; a member only for itself. */
export function mayActFor(caller: Caller, memberId: string): boolean {
  return caller.role === 'librarian' || caller.memberId === memberId;
}

export function forbidden<T>(): Outcome<T> {
  return fail('forbidden', 'forbidden', 'A member may act only on its own account and rentals.');
}
