// Request shapes, checked with zod before any use case runs. The rules themselves (what a valid
// price or phone is) live in the domain; these schemas only apply them to the wire format.
import { z } from 'zod';
import {
  BOOK_STATUSES,
  isValidCopies,
  isValidIsbn,
  isValidPrice,
  isValidText,
} from '../../shared/domain/book';
import { isValidName, isValidPhone } from '../../shared/domain/member';
import { isValidAmount, isValidDeposit } from '../../shared/domain/points';
import { RENTAL_STATUSES } from '../../shared/domain/rental';

const text = z.string().refine(isValidText, 'must be 1 to 200 characters');
const isbn = z.string().refine(isValidIsbn, 'must be an ISBN-10 or ISBN-13').nullable();
const price = z.number().refine(isValidPrice, 'must be a whole number of points, 0 or more');
const copies = z.number().refine(isValidCopies, 'must be a whole number, at least 1');

export const newBookBody = z
  .object({
    title: text,
    author: text,
    isbn: isbn.default(null),
    price,
    copies,
    withdrawn: z.boolean().default(false),
  })
  .strict();

export const bookEditBody = z
  .object({ title: text, author: text, isbn, price, copies, withdrawn: z.boolean() })
  .partial()
  .strict()
  .refine((edit) => Object.keys(edit).length > 0, 'give at least one field to change');

export const newMemberBody = z
  .object({
    name: z.string().refine(isValidName, 'must be 1 to 100 characters'),
    phone: z.string().refine(isValidPhone, 'must be a phone number').nullable().default(null),
  })
  .strict();

export const depositBody = z
  .object({ amount: z.number().refine(isValidDeposit, 'must be a whole number of points, at least 1') })
  .strict();

export const pointsCheckQuery = z.object({
  amount: z
    .string()
    .regex(/^\d+$/, 'must be a whole number, 0 or more')
    .transform(Number)
    .refine(isValidAmount, 'is too large'),
});

export const rentalBody = z
  .object({ bookId: z.string().min(1).max(100), memberId: z.string().min(1).max(100).optional() })
  .strict();

const limit = z
  .string()
  .regex(/^\d+$/, 'must be a whole number')
  .transform(Number)
  .refine((n) => n >= 1 && n <= 100, 'must be 1 to 100')
  .default('20');

export const bookListQuery = z.object({
  q: z.string().max(200).optional(),
  status: z.enum(BOOK_STATUSES).optional(),
  limit,
  continuation: z.string().min(1).optional(),
});

export const memberListQuery = z.object({
  q: z.string().max(100).optional(),
  limit,
  continuation: z.string().min(1).optional(),
});

export const rentalHistoryQuery = z.object({
  status: z.enum(RENTAL_STATUSES).optional(),
  limit,
  continuation: z.string().min(1).optional(),
});
