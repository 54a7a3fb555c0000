// The API's shapes: requests, checked with zod before any use case runs, and responses. The OpenAPI
// document is generated from them (./openapi-document.ts); each response schema is checked against
// the type the use case returns. The rules themselves (what a valid price or phone is) live in the
// domain; these schemas only apply them to the wire format.
import type { BookPage } from '../../shared/app/catalog';
import type { BookHolds } from '../../shared/app/holds';
import type { ReviewPage } from '../../shared/app/reviews';
import type {
  FeesBalance,
  MemberPage,
  PointsBalance,
  PointsCheck,
  RentalPage,
} from '../../shared/app/members';
import type { ReplayResult } from '../../shared/app/dead-letters';
import type { Book } from '../../shared/app/records';
import type { BoardPage } from '../../shared/app/rental-board';
import type { Mypage } from '../../shared/app/views';
import { noticeMessage, type NoticeDeadLetter, type NoticePage } from '../../shared/app/notices';
import type { ListPage } from '../../shared/app/paging';
import { NOTICE_KINDS } from '../../shared/domain/notices';
import {
  BOOK_STATUSES,
  isValidCopies,
  isValidIsbn,
  isValidPrice,
  isValidText,
} from '../../shared/domain/book';
import { HOLD_STATUSES, type Hold } from '../../shared/domain/hold';
import { isValidName, isValidPhone, type Member } from '../../shared/domain/member';
import { isValidAmount, isValidDeposit } from '../../shared/domain/points';
import {
  isValidRating,
  isValidReviewText,
  MAX_RATING,
  MAX_REVIEW_TEXT,
  MIN_RATING,
  type Review,
} from '../../shared/domain/review';
import { REJECTION_REASONS, RENTAL_STATUSES, type Rental } from '../../shared/domain/rental';
import { z } from './api-schema';
import type { RebuildStatus } from './views-rebuild-client';

// Refinements are code, not JSON Schema: `.openapi` says what each one amounts to in the document.
const text = z
  .string()
  .refine(isValidText, 'must be 1 to 200 characters, with no control characters')
  .openapi({ minLength: 1, maxLength: 200 });
const isbn = z
  .string()
  .refine(isValidIsbn, 'must be an ISBN-10 or ISBN-13')
  .nullable()
  .openapi({ description: 'ISBN-10 or ISBN-13' });
const price = z
  .number()
  .refine(isValidPrice, 'must be a whole number of points, 0 or more')
  .openapi({ type: 'integer', minimum: 0, description: 'Points per rental' });
const copies = z
  .number()
  .refine(isValidCopies, 'must be a whole number, at least 1')
  .openapi({ type: 'integer', minimum: 1 });

export const newBookBody = z
  .object({
    title: text,
    author: text,
    isbn: isbn.default(null),
    price,
    copies,
    withdrawn: z.boolean().default(false),
  })
  .strict()
  .openapi('NewBook');

export const bookEditBody = z
  .object({ title: text, author: text, isbn, price, copies, withdrawn: z.boolean() })
  .partial()
  .strict()
  .refine((edit) => Object.keys(edit).length > 0, 'give at least one field to change')
  .openapi('BookEdit', { minProperties: 1 });

export const newMemberBody = z
  .object({
    name: z
      .string()
      .refine(isValidName, 'must be 1 to 100 characters, with no control characters')
      .openapi({ minLength: 1, maxLength: 100 }),
    phone: z
      .string()
      .refine(isValidPhone, 'must be a phone number')
      .nullable()
      .default(null)
      .openapi({ description: 'Digits with optional +, spaces, dashes and parentheses' }),
  })
  .strict()
  .openapi('NewMember');

export const depositBody = z
  .object({
    amount: z
      .number()
      .refine(isValidDeposit, 'must be a whole number of points, at least 1')
      .openapi({ type: 'integer', minimum: 1 }),
  })
  .strict()
  .openapi('Deposit');

const wholeNumber = (message: string) => z.string().regex(/^\d+$/, message).transform(Number);

export const feePaymentBody = z
  .object({
    amount: z
      .number()
      .refine(isValidDeposit, 'must be a whole amount, at least 1')
      .openapi({ type: 'integer', minimum: 1, description: 'KRW, paid with as many points' }),
  })
  .strict()
  .openapi('FeePayment');

export const pointsCheckQuery = z.object({
  amount: wholeNumber('must be a whole number, 0 or more')
    .refine(isValidAmount, 'is too large')
    .openapi({ type: 'integer', minimum: 0 }),
});

// Every id the system issues is a UUID (shared/app/ids.ts): anything else names nothing, and is
// refused before any read.
const issuedId = z.string().uuid('must be an id the system issued (a UUID)').openapi({ format: 'uuid' });

export const rentalBody = z
  .object({
    bookId: issuedId,
    memberId: issuedId
      .optional()
      .openapi({ description: "A librarian renting for a member; a member's own id otherwise" }),
  })
  .strict()
  .openapi('RentalRequest');

export const holdBody = z
  .object({
    memberId: z
      .string()
      .min(1)
      .max(100)
      .optional()
      .openapi({ description: "A librarian placing a hold for a member; a member's own id otherwise" }),
  })
  .strict()
  .default({})
  .openapi('HoldRequest');

const limit = wholeNumber('must be a whole number')
  .refine((n) => n >= 1 && n <= 100, 'must be 1 to 100')
  .default('20')
  .openapi({ type: 'integer', minimum: 1, maximum: 100, description: 'Page size; 20 when not given' });

const continuation = z
  .string()
  .min(1)
  .optional()
  .openapi({ description: 'The `continuation` of the previous page.' });

const bookStatus = z.enum(BOOK_STATUSES).openapi('BookStatus');
const rentalStatus = z.enum(RENTAL_STATUSES).openapi('RentalStatus');

export const bookListQuery = z.object({
  q: z.string().max(200).optional().openapi({ description: 'Words in the title, author or ISBN' }),
  status: bookStatus.optional(),
  limit,
  continuation,
});

export const memberListQuery = z.object({
  q: z.string().max(100).optional().openapi({ description: 'Words in the name' }),
  limit,
  continuation,
});

export const reviewBody = z
  .object({
    rating: z
      .number()
      .refine(isValidRating, `must be a whole number from ${MIN_RATING} to ${MAX_RATING}`)
      .openapi({ type: 'integer', minimum: MIN_RATING, maximum: MAX_RATING }),
    text: z
      .string()
      .refine(
        isValidReviewText,
        `must be at most ${MAX_REVIEW_TEXT} characters, with no control characters but tabs and line breaks`,
      )
      .openapi({ maxLength: MAX_REVIEW_TEXT }),
  })
  .strict()
  .openapi('ReviewRequest');

export const reviewListQuery = z.object({ limit, continuation });

export const rentalHistoryQuery = z.object({
  status: rentalStatus.optional(),
  limit,
  continuation,
});

// Responses. `satisfies` ties each to the type its use case returns, so they cannot drift apart.
const count = (minimum: number) => z.number().int().min(minimum);
const instant = z.string().datetime({ offset: true });
const recordId = z.string().min(1).max(200);

export const book = z
  .object({
    id: z.string(),
    title: z.string(),
    author: z.string(),
    isbn: z.string().nullable(),
    price: count(0).describe('Points per rental'),
    copies: count(1),
    available: count(0),
    status: bookStatus,
    rating: z
      .object({
        average: z.number().min(MIN_RATING).max(MAX_RATING).nullable().describe('null with no review'),
        count: count(0),
      })
      .describe("The average of the book's reviews, kept from the change feed"),
    etag: z.string(),
  })
  .openapi('Book') satisfies z.ZodType<Book>;

/** One page of a list; `continuation` asks for the next (null on the last page). */
const page = <T extends z.ZodTypeAny>(item: T) =>
  z.object({ items: z.array(item), continuation: z.string().nullable() });

export const bookPage = page(book).openapi('BookPage') satisfies z.ZodType<BookPage>;

export const member = z
  .object({
    id: z.string(),
    name: z.string(),
    phone: z.string().nullable(),
    points: count(0),
    feesOwed: count(0).describe('Late fees owed, KRW'),
  })
  .openapi('Member') satisfies z.ZodType<Member>;

export const memberPage = page(member).openapi('MemberPage') satisfies z.ZodType<MemberPage>;

export const pointsBalance = z
  .object({ memberId: z.string(), points: z.number().int() })
  .openapi('Balance') satisfies z.ZodType<PointsBalance>;

export const feesBalance = z
  .object({ memberId: z.string(), feesOwed: count(0), points: count(0) })
  .openapi('FeesBalance') satisfies z.ZodType<FeesBalance>;

export const pointsCheck = z
  .object({
    memberId: z.string(),
    points: z.number().int(),
    amount: z.number().int(),
    sufficient: z.boolean(),
  })
  .openapi('PointsCheck') satisfies z.ZodType<PointsCheck>;

/** A rental as the API answers it, and as the borrow saga's activities accept it (./rental-saga-schemas.ts). */
export const rental = z
  .object({
    id: recordId,
    memberId: recordId,
    bookId: recordId,
    bookTitle: z.string().nullable(),
    price: price.describe('Points charged, fixed when the rental was recorded'),
    status: rentalStatus,
    reason: z.enum(REJECTION_REASONS).optional(),
    requestedAt: instant,
    approvedAt: instant.optional(),
    dueAt: instant.optional(),
    returnedAt: instant.optional(),
    lateDays: count(0).optional(),
    fee: count(0).optional().describe('Late fee charged at return, KRW'),
    renewals: count(0).optional().describe('Times the loan was renewed'),
  })
  .openapi('Rental') satisfies z.ZodType<Rental>;

const holdStatus = z.enum(HOLD_STATUSES).openapi('HoldStatus');

export const hold = z
  .object({
    id: recordId,
    bookId: recordId,
    memberId: recordId,
    status: holdStatus,
    position: count(0)
      .nullable()
      .describe('WAITING: 1 for the next copy, 2 after that, ...; READY: 0; ended: null'),
    placedAt: instant,
    readyUntil: instant.optional().describe('READY: the copy is kept until then'),
  })
  .openapi('Hold') satisfies z.ZodType<Hold>;

export const bookHolds = z
  .object({ bookId: z.string(), items: z.array(hold).describe('First in line first') })
  .openapi('HoldQueue') satisfies z.ZodType<BookHolds>;

export const review = z
  .object({
    id: recordId,
    bookId: recordId,
    memberId: recordId,
    rating: count(MIN_RATING).max(MAX_RATING),
    text: z.string().max(MAX_REVIEW_TEXT),
    postedAt: instant,
    updatedAt: instant,
  })
  .openapi('Review') satisfies z.ZodType<Review>;

export const reviewPage = page(review).openapi('ReviewPage') satisfies z.ZodType<ReviewPage>;

export const rentalPage = page(rental).openapi('RentalPage') satisfies z.ZodType<RentalPage>;

/** RFC 9457: every error answer. */
export const problem = z
  .object({
    type: z.string().describe('A stable URN: urn:rentbook:problem:<code>'),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
  })
  .openapi('Problem');

export const health = z.object({ status: z.literal('ok') });

// ---- The read models, their rebuild and the dead letters ----

export const rentalBoardQuery = z.object({
  status: rentalStatus.optional(),
  overdue: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional()
    .openapi({ description: 'true: only loans past their due time' }),
  memberId: recordId.optional(),
  bookId: recordId.optional(),
  limit,
  continuation,
});

export const mypage = z
  .object({
    memberId: z.string(),
    name: z.string(),
    points: z.number().int(),
    feesOwed: z.number().int(),
    onLoan: count(0),
    loans: z.array(
      z.object({
        rentalId: z.string(),
        bookId: z.string(),
        bookTitle: z.string().nullable(),
        rentedAt: instant,
        dueAt: instant,
        overdue: z.boolean(),
        feeIfReturnedNow: count(0).describe('The late fee a return now would be charged, KRW'),
      }),
    ),
    pending: z.array(
      z.object({
        rentalId: z.string(),
        bookId: z.string(),
        bookTitle: z.string().nullable(),
        requestedAt: instant,
      }),
    ),
    history: z
      .array(
        z.object({
          rentalId: z.string(),
          bookId: z.string(),
          bookTitle: z.string().nullable(),
          status: rentalStatus,
          reason: z.enum(REJECTION_REASONS).optional(),
          requestedAt: instant,
          returnedAt: instant.optional(),
          lateDays: count(0).optional(),
          fee: count(0).optional(),
        }),
      )
      .describe('Settled rentals, newest first, the last 20'),
    holds: z
      .array(
        z.object({
          holdId: z.string(),
          bookId: z.string(),
          bookTitle: z.string(),
          status: z.enum(['WAITING', 'READY']),
          position: count(0).describe('WAITING: 1 for the next copy, 2 after that, ...; READY: 0'),
          readyUntil: instant.optional().describe('READY: the copy is kept until then'),
        }),
      )
      .describe('Holds waiting or ready, oldest first'),
    updatedAt: instant,
  })
  .openapi('Mypage') satisfies z.ZodType<Mypage>;

export const rentalBoardPage = page(
  z
    .object({
      rentalId: z.string(),
      memberId: z.string(),
      memberName: z.string().nullable(),
      bookId: z.string(),
      bookTitle: z.string().nullable(),
      status: rentalStatus,
      reason: z.enum(REJECTION_REASONS).optional(),
      requestedAt: instant,
      dueAt: instant.optional(),
      returnedAt: instant.optional(),
      overdue: z.boolean(),
      feeIfReturnedNow: count(0),
    })
    .openapi('BoardEntry'),
).openapi('RentalBoardPage') satisfies z.ZodType<BoardPage>;

export const rebuildStatus = z
  .object({
    id: z.string(),
    status: z.enum(['running', 'completed', 'failed']),
    progress: z
      .object({
        members: count(0),
        done: count(0),
        items: count(0).describe('View items written'),
        removed: count(0).describe('View items removed: nothing in the write model is behind them'),
      })
      .nullable(),
    statusUrl: z.string().optional(),
  })
  .openapi('ViewsRebuild') satisfies z.ZodType<RebuildStatus>;

export const replayResult = z
  .object({ replayed: count(0), failed: count(0) })
  .openapi('DeadLetterReplay') satisfies z.ZodType<ReplayResult>;

// ---- Notices ----

export const noticeListQuery = z.object({ limit, continuation });

export const noticeDeadLettersQuery = z.object({ limit, continuation });

const noticeKind = z.enum(NOTICE_KINDS).openapi('NoticeKind');

export const noticePage = page(
  z
    .object({
      id: z.string(),
      kind: noticeKind,
      text: z.string(),
      rentalId: z.string().optional(),
      holdId: z.string().optional(),
      bookTitle: z.string().optional(),
      createdAt: instant,
    })
    .openapi('Notice'),
).openapi('NoticePage') satisfies z.ZodType<NoticePage>;

export const noticeDeadLetters = z
  .object({
    items: z.array(
      z
        .object({
          messageId: z.string(),
          notice: noticeMessage
            .extend({ kind: noticeKind, createdAt: instant })
            .nullable()
            .describe('The notice it carries; null when its body is not a notice'),
          reason: z.string().optional().describe('Why Service Bus dead-lettered it'),
          description: z.string().optional(),
          deliveryCount: count(0),
          enqueuedAt: instant,
        })
        .openapi('NoticeDeadLetter'),
    ),
    continuation: z.string().nullable(),
  })
  .openapi('NoticeDeadLetters') satisfies z.ZodType<ListPage<NoticeDeadLetter>>;
