import { describe, expect, it } from 'vitest';
import { compareSpecificity, matchRoute, parseRouteTemplate } from '../../local/host/routes';

const m = (template: string, path: string) => matchRoute(parseRouteTemplate(template), path);

describe('Functions route templates', () => {
  it('matches literals case-insensitively and decodes parameters', () => {
    expect(m('Books/{id}', 'books/a%20b')).toEqual({ id: 'a b' });
    expect(m('books/{id}', 'books')).toBeUndefined();
    expect(m('books/{id}', 'books/1/2')).toBeUndefined();
  });

  it('applies inline constraints', () => {
    expect(m('n/{id:int}', 'n/12')).toEqual({ id: '12' });
    expect(m('n/{id:int}', 'n/x')).toBeUndefined();
    expect(m('g/{id:guid}', 'g/3f2504e0-4f89-11d3-9a0c-0305e82c3301')).toBeDefined();
    expect(m('g/{id:guid}', 'g/nope')).toBeUndefined();
    expect(m('r/{n:int:min(5)}', 'r/4')).toBeUndefined();
    expect(m('r/{n:int:min(5)}', 'r/5')).toEqual({ n: '5' });
    expect(m('a/{s:alpha:maxlength(3)}', 'a/abcd')).toBeUndefined();
    expect(m('x/{s:regex(^a+$)}', 'x/aaa')).toEqual({ s: 'aaa' });
  });

  it('supports optional, default and catch-all parameters', () => {
    expect(m('o/{id?}', 'o')).toEqual({});
    expect(m('d/{page=1}', 'd')).toEqual({ page: '1' });
    expect(m('f/{*rest}', 'f/a/b')).toEqual({ rest: 'a/b' });
    expect(m('f/{*rest}', 'f')).toEqual({});
  });

  it('reads a regex with parentheses of its own, and checks a catch-all against it when it has a value', () => {
    const web = '{*path:regex(^(?!(api|admin|runtime)\\b))}';
    expect(m(web, '')).toEqual({});
    expect(m(web, 'assets/app-1a2b.js')).toEqual({ path: 'assets/app-1a2b.js' });
    expect(m(web, 'apiary')).toEqual({ path: 'apiary' });
    expect(m(web, 'api/books')).toBeUndefined();
    expect(m(web, 'API')).toBeUndefined();
    expect(m(web, 'admin/clock')).toBeUndefined();
    expect(m(web, 'runtime/webhooks/durabletask/instances')).toBeUndefined();
    expect(m('x/{s:regex(^(a|b)+$):maxlength(3)}', 'x/abab')).toBeUndefined();
    expect(m('x/{s:regex(^(a|b)+$):maxlength(3)}', 'x/aba')).toEqual({ s: 'aba' });
    expect(() => parseRouteTemplate('{s:regex(^(a$)}')).toThrow(/Unbalanced/);
  });

  it('rejects a catch-all that is not last and unknown constraints', () => {
    expect(() => parseRouteTemplate('{*a}/b')).toThrow(/last segment/);
    expect(() => parseRouteTemplate('{a:nope}')).toThrow(/Unknown route constraint/);
  });

  it('orders literal before constrained before free before catch-all', () => {
    const routes = ['x/{*rest}', 'x/{id}', 'x/{id:int}', 'x/special'].map(parseRouteTemplate);
    routes.sort(compareSpecificity);
    expect(routes.map((r) => r.template)).toEqual(['x/special', 'x/{id:int}', 'x/{id}', 'x/{*rest}']);
  });
});
