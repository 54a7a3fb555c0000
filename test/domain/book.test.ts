import { describe, expect, it } from 'vitest';
import {
  applyBookEdit,
  bookStatus,
  canRemove,
  isValidCopies,
  isValidIsbn,
  isValidPrice,
  newBook,
  type BookState,
} from '../../shared/domain/book';

const book = (over: Partial<BookState> = {}): BookState => ({
  title: 'Dune',
  author: 'Frank Herbert',
  isbn: null,
  price: 300,
  copies: 3,
  available: 3,
  withdrawn: false,
  ...over,
});

describe('book status is derived', () => {
  it('AVAILABLE while a copy is free', () => expect(bookStatus(book({ available: 1 }))).toBe('AVAILABLE'));
  it('RENTED when every copy is out', () => expect(bookStatus(book({ available: 0 }))).toBe('RENTED'));
  it('UNAVAILABLE when withdrawn, even with free copies', () =>
    expect(bookStatus(book({ withdrawn: true, available: 3 }))).toBe('UNAVAILABLE'));
});

describe('registering a book', () => {
  it('puts every copy on the shelf and trims the text', () => {
    const b = newBook({
      title: '  Dune ',
      author: 'Frank Herbert',
      isbn: null,
      price: 0,
      copies: 2,
      withdrawn: false,
    });
    expect(b).toMatchObject({ title: 'Dune', copies: 2, available: 2 });
  });

  it('accepts whole, non-negative prices and at least one copy', () => {
    expect(isValidPrice(0)).toBe(true);
    expect(isValidPrice(-1)).toBe(false);
    expect(isValidPrice(1.5)).toBe(false);
    expect(isValidCopies(1)).toBe(true);
    expect(isValidCopies(0)).toBe(false);
  });

  it('accepts ISBN-10 and ISBN-13 shapes only', () => {
    expect(isValidIsbn('978-89-01-23456-7')).toBe(true);
    expect(isValidIsbn('0-306-40615-X')).toBe(true);
    expect(isValidIsbn('12345')).toBe(false);
  });
});

describe('editing a book', () => {
  it('keeps the copies on loan out when the copies change', () => {
    const edited = applyBookEdit(book({ copies: 3, available: 1 }), { copies: 5 });
    expect(edited).toEqual({ ok: true, book: expect.objectContaining({ copies: 5, available: 3 }) });
  });

  it('may shrink to exactly the copies on loan', () => {
    const edited = applyBookEdit(book({ copies: 3, available: 1 }), { copies: 2 });
    expect(edited).toEqual({ ok: true, book: expect.objectContaining({ copies: 2, available: 0 }) });
  });

  it('refuses fewer copies than are on loan', () => {
    expect(applyBookEdit(book({ copies: 3, available: 1 }), { copies: 1 })).toEqual({
      ok: false,
      error: { code: 'COPIES_BELOW_ON_LOAN', copies: 1, onLoan: 2 },
    });
  });

  it('can clear the ISBN and withdraw the book', () => {
    const edited = applyBookEdit(book({ isbn: '9788901234567' }), { isbn: null, withdrawn: true });
    expect(edited).toEqual({ ok: true, book: expect.objectContaining({ isbn: null, withdrawn: true }) });
  });
});

describe('removing a book', () => {
  it('is allowed only with no copy on loan', () => {
    expect(canRemove(book({ copies: 2, available: 2 }))).toBe(true);
    expect(canRemove(book({ copies: 2, available: 1 }))).toBe(false);
  });
});
