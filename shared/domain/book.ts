// A book in the catalog: how many copies the library owns, how many are free, and whether it may
// be lent at all. Status is derived, never stored.
import { isPlainLine } from './text';

export const BOOK_STATUSES = ['AVAILABLE', 'RENTED', 'UNAVAILABLE'] as const;

export type BookStatus = (typeof BOOK_STATUSES)[number];

export interface BookState {
  title: string;
  author: string;
  isbn: string | null;
  /** Points per rental. */
  price: number;
  /** Copies the library owns. */
  copies: number;
  /** Copies on the shelf free for anyone (copies minus those on loan and those held). */
  available: number;
  /** Copies on the shelf set aside for members whose hold is READY (absent: none). */
  held?: number;
  /** Withdrawn or damaged: not lent, whatever the copies. */
  withdrawn: boolean;
}

export interface NewBook {
  title: string;
  author: string;
  isbn: string | null;
  price: number;
  copies: number;
  withdrawn: boolean;
}

export type BookEdit = Partial<NewBook>;

export type BookEditResult =
  | { ok: true; book: BookState }
  | { ok: false; error: { code: 'COPIES_BELOW_ON_LOAN'; copies: number; onLoan: number } };

export const MAX_TEXT_LENGTH = 200;
export const MAX_COPIES = 100_000;
export const MAX_PRICE = 1_000_000_000;

/** UNAVAILABLE if withdrawn; else RENTED when no copy is free; else AVAILABLE. */
export function bookStatus(book: Pick<BookState, 'available' | 'withdrawn'>): BookStatus {
  if (book.withdrawn) return 'UNAVAILABLE';
  return book.available > 0 ? 'AVAILABLE' : 'RENTED';
}

export function onLoan(book: Pick<BookState, 'copies' | 'available' | 'held'>): number {
  return book.copies - book.available - (book.held ?? 0);
}

export function isValidText(text: string): boolean {
  const trimmed = text.trim();
  return trimmed.length >= 1 && trimmed.length <= MAX_TEXT_LENGTH && isPlainLine(text);
}

export function isValidPrice(price: number): boolean {
  return Number.isInteger(price) && price >= 0 && price <= MAX_PRICE;
}

export function isValidCopies(copies: number): boolean {
  return Number.isInteger(copies) && copies >= 1 && copies <= MAX_COPIES;
}

/** ISBN-10 or ISBN-13 digits (hyphens and spaces allowed between them; ISBN-10 may end in X). */
export function isValidIsbn(isbn: string): boolean {
  const compact = isbn.replace(/[\s-]/g, '');
  return /^\d{9}[\dXx]$/.test(compact) || /^\d{13}$/.test(compact);
}

/** A newly registered book has every copy on the shelf. */
export function newBook(book: NewBook): BookState {
  return { ...book, title: book.title.trim(), author: book.author.trim(), available: book.copies };
}

/**
 * Applies a librarian's edit; the copies owned may not drop below the copies on loan and those set
 * aside for holds.
 */
export function applyBookEdit(book: BookState, edit: BookEdit): BookEditResult {
  const loaned = onLoan(book);
  const held = book.held ?? 0;
  const copies = edit.copies ?? book.copies;
  if (copies < loaned + held) {
    return { ok: false, error: { code: 'COPIES_BELOW_ON_LOAN', copies, onLoan: loaned + held } };
  }
  return {
    ok: true,
    book: {
      title: edit.title?.trim() ?? book.title,
      author: edit.author?.trim() ?? book.author,
      isbn: edit.isbn === undefined ? book.isbn : edit.isbn,
      price: edit.price ?? book.price,
      copies,
      available: copies - loaned - held,
      ...(book.held === undefined ? {} : { held }),
      withdrawn: edit.withdrawn ?? book.withdrawn,
    },
  };
}

/** A book can be removed only when no copy is on loan or set aside for a hold. */
export function canRemove(book: Pick<BookState, 'copies' | 'available' | 'held'>): boolean {
  return book.available === book.copies;
}
