// Notices: what a member is told, and when. One table: the domain event that gives a notice, the
// kind of notice, and its text. An event type not in the table gives none. The app checks each event
// against its schema (shared/app/events.ts) before the table reads its data.

export const NOTICE_KINDS = [
  'rental-approved',
  'rental-rejected',
  'rental-returned',
  'due-soon',
  'overdue',
  'hold-ready',
  'hold-expired',
] as const;

export type NoticeKind = (typeof NOTICE_KINDS)[number];

/** What the texts read from an event's data (each event type carries its own part of it). */
export interface NoticeFacts {
  bookTitle?: string | null;
  dueAt?: string;
  reason?: string;
  lateDays?: number;
  fee?: number;
  reminder?: number;
  readyUntil?: string;
}

/** How times are written in a text: the day, in the library's time zone. */
export interface NoticeFormat {
  timeZone: string;
}

interface NoticeRule {
  kind: NoticeKind;
  text: (facts: NoticeFacts, format: NoticeFormat) => string;
}

const title = (facts: NoticeFacts): string => (facts.bookTitle ? `"${facts.bookTitle}"` : 'your book');

const reasons: Record<string, string> = {
  BOOK_RENTED: 'no copy is free',
  BOOK_UNAVAILABLE: 'the book cannot be lent',
  BOOK_NOT_FOUND: 'the book is not in the catalog',
  MEMBER_NOT_FOUND: 'the member is not known',
  INSUFFICIENT_POINTS: 'your points do not cover the price',
  FEES_OUTSTANDING: 'you owe late fees; pay them first',
  LOAN_LIMIT: 'you have as many books on loan as allowed',
  ALREADY_ON_LOAN: 'you already have a copy of it',
  PROCESSING_FAILED: 'something went wrong on our side; nothing was charged',
};

/** The notice policy: event type → kind and text. */
export const noticePolicy: Readonly<Record<string, NoticeRule>> = {
  'rentbook.rental.approved': {
    kind: 'rental-approved',
    text: (f, fmt) => `You have borrowed ${title(f)}. Please return it by ${day(f.dueAt, fmt)}.`,
  },
  'rentbook.rental.rejected': {
    kind: 'rental-rejected',
    text: (f) => `Your rental of ${title(f)} was declined: ${reasons[f.reason ?? ''] ?? f.reason}.`,
  },
  'rentbook.rental.returned': {
    kind: 'rental-returned',
    text: (f) =>
      f.fee
        ? `You returned ${title(f)} ${f.lateDays} day${f.lateDays === 1 ? '' : 's'} late. Late fee: ${f.fee} KRW.`
        : `You returned ${title(f)} on time. Thank you.`,
  },
  'rentbook.rental.due-soon': {
    kind: 'due-soon',
    text: (f, fmt) => `${capital(title(f))} is due back by ${day(f.dueAt, fmt)}.`,
  },
  'rentbook.rental.overdue': {
    kind: 'overdue',
    text: (f, fmt) =>
      `${capital(title(f))} was due on ${day(f.dueAt, fmt)} and is overdue. Late fees grow the longer it is out.`,
  },
  'rentbook.rental.still-overdue': {
    kind: 'overdue',
    text: (f, fmt) => `Reminder: ${title(f)} was due on ${day(f.dueAt, fmt)} and is still overdue.`,
  },
  'rentbook.hold.ready': {
    kind: 'hold-ready',
    text: (f, fmt) =>
      `${capital(title(f))} is waiting for you. Rent it by ${day(f.readyUntil, fmt)} or it goes to the next in line.`,
  },
  'rentbook.hold.expired': {
    kind: 'hold-expired',
    text: (f) => `Your hold on ${title(f)} expired: it was not collected in time.`,
  },
};

/** The notice an event of `type` gives, or undefined when it gives none. */
export function noticeFor(
  type: string,
  facts: NoticeFacts,
  format: NoticeFormat,
): { kind: NoticeKind; text: string } | undefined {
  const rule = Object.hasOwn(noticePolicy, type) ? noticePolicy[type] : undefined;
  return rule && { kind: rule.kind, text: rule.text(facts, format) };
}

function capital(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

const formats = new Map<string, Intl.DateTimeFormat>();

// The calendar day in the library's time zone, as YYYY-MM-DD.
function day(iso: string | undefined, format: NoticeFormat): string {
  if (iso === undefined) return 'the due date';
  let f = formats.get(format.timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone: format.timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
    formats.set(format.timeZone, f);
  }
  return f.format(new Date(iso));
}
