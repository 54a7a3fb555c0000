// Who may do what: the one place that answers "may this caller do this to that". Every use case
// asks it before it reads or writes anything; handlers only say who is calling and which action the
// route takes, and the HTTP helper asks it what it can tell from that before reading the request.
import { fail, ok, type Outcome } from './outcome';

/** A signed-in caller: a librarian (acts for anyone) or a member (acts for itself). */
export type SignedIn =
  { role: 'librarian'; subject: string } | { role: 'member'; subject: string; memberId: string };

/** Whoever sent the request; `anonymous` when it carried no valid sign-in. */
export type Caller = SignedIn | { role: 'anonymous'; subject: 'anonymous' };

export const ANONYMOUS: Caller = { role: 'anonymous', subject: 'anonymous' };

/**
 * The caller a sign-in names by its app roles (`librarian`, `member`): a librarian known by the
 * identity `id`, or a member by the member id its sign-in carries; anyone else is no caller.
 */
export function callerOfRoles(
  roles: readonly string[],
  id: string,
  memberId: string | undefined,
): SignedIn | undefined {
  if (roles.includes('librarian')) return { role: 'librarian', subject: `librarian:${id}` };
  if (roles.includes('member') && memberId)
    return { role: 'member', subject: `member:${memberId}`, memberId };
  return undefined;
}

/**
 * Who may take an action:
 * - `anyone`: signed in or not;
 * - `librarian`: librarians only;
 * - `member`: members only, each for itself;
 * - `member-or-librarian`: the member the data belongs to, or a librarian.
 */
export type Rule = 'anyone' | 'librarian' | 'member' | 'member-or-librarian';

// One line per action. A new route names its action here and asks `denial` in its use case.
const rules = {
  'books.browse': 'anyone',
  'books.add': 'librarian',
  'books.edit': 'librarian',
  'books.remove': 'librarian',
  'members.register': 'librarian',
  'members.list': 'librarian',
  'members.read': 'member-or-librarian',
  'points.deposit': 'member-or-librarian',
  'points.check': 'member-or-librarian',
  'rentals.history': 'member-or-librarian',
  'rentals.request': 'member-or-librarian',
  'rentals.read': 'member-or-librarian',
  'rentals.return': 'member-or-librarian',
  'rentals.renew': 'member-or-librarian',
  'fees.pay': 'member-or-librarian',
  'holds.place': 'member-or-librarian',
  'holds.cancel': 'member-or-librarian',
  'holds.list': 'librarian',
  'reviews.post': 'member',
  'reviews.list': 'anyone',
  'reviews.delete': 'member-or-librarian',
  'members.mypage': 'member-or-librarian',
  'rentals.board': 'librarian',
  'views.rebuild': 'librarian',
  'deadLetters.replay': 'librarian',
  'notices.list': 'member-or-librarian',
  'notices.deadLetters': 'librarian',
} as const satisfies Record<string, Rule>;

export type Action = keyof typeof rules;

/** Who may take `action` (the API document states it for each route). */
export function ruleOf(action: Action): Rule {
  return rules[action];
}

/** What an action is done to: the member whose data it is, where there is one. */
export interface Target {
  memberId: string;
}

/**
 * The problem to answer when `caller` may not take `action` on `target`, or undefined when it may.
 * Without a target, only what the caller's role alone decides (sign-in, librarian-only): a use case
 * that must look the target up first asks once before the lookup and again with the target, so an
 * anonymous caller learns nothing about what exists.
 */
export function denial(caller: Caller, action: Action, target?: Target): Outcome<never> | undefined {
  const rule = ruleOf(action);
  if (rule === 'anyone') return undefined;
  if (caller.role === 'anonymous') {
    return fail(
      'unauthenticated',
      'unauthenticated',
      'Sign in first: this route needs a member or librarian.',
    );
  }
  if (caller.role === 'librarian') {
    return rule === 'member' ? fail('forbidden', 'forbidden', 'Only a member may do this.') : undefined;
  }
  if (rule === 'librarian') return fail('forbidden', 'librarian-only', 'Only a librarian may do this.');
  if (target === undefined || target.memberId === caller.memberId) return undefined;
  return fail('forbidden', 'forbidden', 'A member may act only on its own account and rentals.');
}

/**
 * The member a request acts for, once `caller` may take `action` for it: a member's own id unless it
 * names another, or the member a librarian names (a librarian who names none is refused).
 */
export function actingFor(caller: Caller, action: Action, named: string | undefined): Outcome<string> {
  const memberId = named ?? (caller.role === 'member' ? caller.memberId : undefined);
  const denied = denial(caller, action, memberId === undefined ? undefined : { memberId });
  if (denied) return denied;
  if (memberId === undefined) {
    return fail('invalid', 'member-id-required', 'A librarian acting for a member must give memberId.');
  }
  return ok(memberId);
}
