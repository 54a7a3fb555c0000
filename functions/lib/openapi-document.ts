// The OpenAPI 3.1 description of the HTTP API, generated from the zod schemas the handlers read
// requests with and the response schemas of ./schemas.ts. A test compares its paths with the routes
// the functions register, and the live API's requests and responses with its schemas.
import { STATUS_CODES } from 'node:http';
import { OpenAPIRegistry, OpenApiGeneratorV31, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { ruleOf, type Action } from '../../shared/app/authorization';
import { z } from './api-schema';
import { PROBLEM_TITLES } from './problem-titles';
import {
  book,
  bookEditBody,
  bookListQuery,
  bookHolds,
  bookPage,
  depositBody,
  feePaymentBody,
  feesBalance,
  health,
  hold,
  holdBody,
  member,
  memberListQuery,
  memberPage,
  newBookBody,
  newMemberBody,
  pointsBalance,
  pointsCheck,
  pointsCheckQuery,
  problem,
  rental,
  rentalBody,
  rentalHistoryQuery,
  rentalPage,
  review,
  reviewBody,
  reviewListQuery,
  reviewPage,
  mypage,
  rebuildStatus,
  rentalBoardPage,
  rentalBoardQuery,
  replayResult,
  noticeDeadLetters,
  noticeDeadLettersQuery,
  noticeListQuery,
  noticePage,
} from './schemas';

const PROBLEM_STATUSES = [400, 401, 403, 404, 409, 412, 413, 415, 422, 429, 503] as const;
type ProblemStatus = (typeof PROBLEM_STATUSES)[number];

/** What each problem status means here, with an example of its body. */
const problemAnswers: Record<ProblemStatus, { description: string; code: string; detail: string }> = {
  400: {
    description: 'The request is not valid: its body, query or path',
    code: 'invalid-request',
    detail: 'The request body is not valid: price: must be a whole number of points, 0 or more.',
  },
  401: {
    description: 'No valid sign-in (no token, a wrong or expired one)',
    code: 'unauthenticated',
    detail: 'Sign in first.',
  },
  403: {
    description: 'Signed in, but not allowed to do this',
    code: 'forbidden',
    detail: "A member may act only on the member's own data.",
  },
  404: { description: 'No such resource', code: 'book-not-found', detail: 'No book with that id.' },
  409: {
    description: 'The resource is not in a state that allows this',
    code: 'not-on-loan',
    detail: 'The rental is not on loan.',
  },
  412: {
    description: 'If-Match names an older version',
    code: 'precondition-failed',
    detail: 'The book changed since that version.',
  },
  413: {
    description:
      'The body is larger than the host takes (FUNCTIONS_REQUEST_BODY_SIZE_LIMIT, 1 MB unless set); answered by the host before the function runs, with type about:blank',
    code: 'payload-too-large',
    detail: 'The request body is larger than 1048576 bytes.',
  },
  415: {
    description: 'The body does not say it is JSON: send Content-Type: application/json',
    code: 'unsupported-media-type',
    detail: 'The request body must be JSON, sent with Content-Type: application/json; not text/plain.',
  },
  422: {
    description: 'The Idempotency-Key was used for another request',
    code: 'idempotency-key-reused',
    detail: 'This Idempotency-Key was used for another request.',
  },
  429: {
    description:
      "The Functions host's queue of HTTP requests is full (host.json extensions.http); answered by the host, with type about:blank. Retry after Retry-After seconds",
    code: 'too-many-requests',
    detail: 'Too many requests are waiting; try again shortly.',
  },
  503: {
    description:
      'The store stayed throttled or unavailable through its retries (busy), sign-in cannot be checked now (sign-in-unavailable), or, for a rent, too many rents are in flight (overloaded; nothing recorded). Retry after Retry-After seconds',
    code: 'busy',
    detail: 'The service is busy. Try again in a moment.',
  },
};

/** The statuses whose answer says when to try again. */
const RETRY_AFTER: readonly ProblemStatus[] = [429, 503];

/** The API's parts, in the order a reader meets them; each operation is in one. */
const TAGS = {
  catalog: 'Books: browse and search (anyone); register, edit and remove (librarians)',
  members: 'Members: registration, their points and fees',
  rentals: 'Renting, returning and renewing; the rental board',
  holds: 'The hold queue of a book with no free copy',
  reviews: 'Reviews of books a member has returned',
  views: "A member's page and the notices; rebuilding the views",
  operations: 'Health, the API documents, and the dead letters of the consumers',
} as const;
type Tag = keyof typeof TAGS;

const registry = new OpenAPIRegistry();

registry.registerComponent('securitySchemes', 'bearer', {
  type: 'http',
  scheme: 'bearer',
  bearerFormat: 'JWT',
  description:
    'In Azure (AUTH_MODE=entra): a Microsoft Entra ID access token for api://<AUTH_CLIENT_ID> with the app role ' +
    'member or librarian. On the local host: `npm run token -- --member <id>` or `npm run token -- --librarian`.',
});
registry.registerComponent('securitySchemes', 'appServiceAuthentication', {
  type: 'apiKey',
  in: 'header',
  name: 'x-ms-client-principal',
  description:
    'In Azure with AUTH_MODE=easyauth: set by App Service Authentication in front of the app, never by clients.',
});
for (const status of PROBLEM_STATUSES) {
  const { description, code, detail } = problemAnswers[status];
  // The host's own answers (413, 429) carry about:blank; the app's its problem URN.
  const byHost = status === 413 || status === 429;
  const type = byHost ? 'about:blank' : `urn:rentbook:problem:${code}`;
  const title = byHost ? STATUS_CODES[status] : PROBLEM_TITLES[status];
  registry.registerComponent('responses', `Problem${status}`, {
    description: `${description} (RFC 9457 problem details)`,
    content: {
      'application/problem+json': {
        schema: { $ref: '#/components/schemas/Problem' },
        example: { type, title, status, detail },
      },
    },
    ...(RETRY_AFTER.includes(status)
      ? {
          headers: {
            'Retry-After': {
              required: true,
              description: 'Seconds to wait before trying again',
              schema: { type: 'string' },
            },
          },
        }
      : {}),
  });
}
registry.register('Problem', problem);

const signedIn: Record<string, string[]>[] = [{ bearer: [] }, { appServiceAuthentication: [] }];
const anyone: RouteConfig['security'] = [];

const problems = (...statuses: ProblemStatus[]) =>
  Object.fromEntries(statuses.map((s) => [s, { $ref: `#/components/responses/Problem${s}` }]));
const answer = (description: string, schema: z.ZodTypeAny, headers?: z.AnyZodObject) => ({
  description,
  content: { 'application/json': { schema } },
  ...(headers ? { headers } : {}),
});
/** A JSON request body, with an example a client can send as it is. */
const jsonBody = <S extends z.ZodTypeAny>(schema: S, example: z.input<S>, required = true) => ({
  required,
  content: { 'application/json': { schema, example } },
});

const who = {
  librarian: ' (librarian)',
  member: ' (a member)',
  'member-or-librarian': ' (the member or a librarian)',
  anyone: '',
};

/**
 * A route served by a use case: who may call it, and the 401/403 answers that follow, come from the
 * authorization rule of its action, so the document cannot promise what the policy does not do.
 */
function useCase(action: Action, route: RouteConfig): RouteConfig {
  const rule = ruleOf(action);
  // A use case reads or writes the store (busy: 503), as signing in may (sign-in-unavailable).
  const busy = { ...route, responses: { ...route.responses, ...problems(503) } };
  if (rule === 'anyone') return { ...busy, security: anyone };
  return {
    ...busy,
    summary: route.summary + who[rule],
    responses: { ...busy.responses, ...problems(401, 403) },
  };
}

/**
 * What the host and the body helper answer whatever the route: 429 when the host's request queue is
 * full, and for a route that takes a body, 413 (too large) and 415 (not JSON). And its tag.
 */
function served(tag: Tag, route: RouteConfig): RouteConfig {
  const takesBody = route.request?.body !== undefined;
  return {
    ...route,
    tags: [tag],
    responses: { ...route.responses, ...problems(...(takesBody ? ([413, 415] as const) : []), 429) },
  };
}

const location = z.object({ Location: z.string().describe('The URL of the resource') });
const etag = z.object({ ETag: z.string().describe("The book's version, for If-Match") });
const idempotencyKey = z.object({
  'Idempotency-Key': z
    .string()
    .min(1)
    .max(255)
    .optional()
    .describe(
      'Repeat a request with the same key to get the first answer again; nothing happens twice. ' +
        'The key is bound to its first request: with another request it is 422 idempotency-key-reused.',
    ),
});
const bookId = z.object({ bookId: z.string().describe('The book') });
const memberId = z.object({ memberId: z.string().describe('The member') });
const rentalId = z.object({ rentalId: z.string().describe('The rental') });
const holdId = z.object({ holdId: z.string().describe('The hold') });
const reviewId = z.object({ reviewId: z.string().describe('The review') });

const routes: RouteConfig[] = [
  {
    method: 'get',
    path: '/health',
    operationId: 'health',
    summary: 'The app is up',
    security: anyone,
    responses: { 200: answer('Up', health) },
  },
  {
    method: 'get',
    path: '/openapi.json',
    operationId: 'openapi',
    summary: 'This document',
    security: anyone,
    responses: { 200: answer('The OpenAPI document', z.object({}).passthrough()) },
  },
  useCase('books.browse', {
    method: 'get',
    path: '/books',
    operationId: 'listBooks',
    summary: 'List or search the catalog',
    request: { query: bookListQuery },
    responses: { 200: answer('A page of books', bookPage), ...problems(400) },
  }),
  useCase('books.add', {
    method: 'post',
    path: '/books',
    operationId: 'createBook',
    summary: 'Register a book',
    request: {
      body: jsonBody(newBookBody, {
        title: 'Refactoring',
        author: 'Martin Fowler',
        isbn: '978-0-13-475759-9',
        price: 700,
        copies: 2,
      }),
    },
    responses: { 201: answer('Registered', book, location.merge(etag)), ...problems(400) },
  }),
  useCase('books.browse', {
    method: 'get',
    path: '/books/{bookId}',
    operationId: 'getBook',
    summary: 'One book with its live availability',
    request: { params: bookId },
    responses: { 200: answer('The book', book, etag), ...problems(404) },
  }),
  useCase('books.edit', {
    method: 'patch',
    path: '/books/{bookId}',
    operationId: 'updateBook',
    summary: 'Edit a book',
    request: {
      params: bookId,
      headers: z.object({
        'If-Match': z
          .string()
          .optional()
          .describe(
            "Optional: the book's etag, so an edit made on a stale copy is refused (412); without it, or with `*`, the edit applies to the book as it is",
          ),
      }),
      body: jsonBody(bookEditBody, { copies: 3 }),
    },
    responses: { 200: answer('Edited', book, etag), ...problems(400, 404, 409, 412) },
  }),
  useCase('books.remove', {
    method: 'delete',
    path: '/books/{bookId}',
    operationId: 'deleteBook',
    summary: 'Remove a book with no copy on loan',
    request: { params: bookId },
    responses: { 204: { description: 'Removed' }, ...problems(404, 409) },
  }),
  useCase('members.register', {
    method: 'post',
    path: '/members',
    operationId: 'createMember',
    summary: 'Register a member',
    request: { body: jsonBody(newMemberBody, { name: 'Alex Kim', phone: '+82 10-1234-5678' }) },
    responses: { 201: answer('Registered', member, location), ...problems(400) },
  }),
  useCase('members.list', {
    method: 'get',
    path: '/members',
    operationId: 'listMembers',
    summary: 'List or search members by name',
    request: { query: memberListQuery },
    responses: { 200: answer('A page of members', memberPage), ...problems(400) },
  }),
  useCase('members.read', {
    method: 'get',
    path: '/members/{memberId}',
    operationId: 'getMember',
    summary: 'A member',
    request: { params: memberId },
    responses: { 200: answer('The member', member), ...problems(404) },
  }),
  useCase('points.deposit', {
    method: 'post',
    path: '/members/{memberId}/points',
    operationId: 'depositPoints',
    summary: 'Deposit points',
    request: { params: memberId, headers: idempotencyKey, body: jsonBody(depositBody, { amount: 5000 }) },
    responses: { 200: answer('The new balance', pointsBalance), ...problems(400, 404, 422) },
  }),
  useCase('fees.pay', {
    method: 'post',
    path: '/members/{memberId}/fees/payments',
    operationId: 'payFees',
    summary: 'Pay late fees from points',
    description:
      'More than is owed, or more than the points cover, is 409 (more-than-owed, insufficient-points) and changes nothing.',
    request: { params: memberId, headers: idempotencyKey, body: jsonBody(feePaymentBody, { amount: 500 }) },
    responses: {
      200: answer('Fees owed and points after the payment', feesBalance),
      ...problems(400, 404, 409, 422),
    },
  }),
  useCase('points.check', {
    method: 'get',
    path: '/members/{memberId}/points/check',
    operationId: 'checkPoints',
    summary: 'Does the balance cover an amount?',
    request: { params: memberId, query: pointsCheckQuery },
    responses: { 200: answer('The check', pointsCheck), ...problems(400, 404) },
  }),
  useCase('rentals.history', {
    method: 'get',
    path: '/members/{memberId}/rentals',
    operationId: 'listMemberRentals',
    summary: "A member's rental history, newest first",
    request: { params: memberId, query: rentalHistoryQuery },
    responses: { 200: answer('A page of rentals', rentalPage), ...problems(400, 404) },
  }),
  useCase('rentals.request', {
    method: 'post',
    path: '/rentals',
    operationId: 'rentBook',
    summary: 'Rent a book: runs the borrow saga and waits a few seconds for its outcome',
    request: {
      headers: idempotencyKey,
      body: jsonBody(rentalBody, { bookId: '0193a1c2-7b1e-7c3d-9f00-4b5a6c7d8e9f' }),
    },
    responses: {
      201: answer('Settled: APPROVED with dueAt, or REJECTED with reason', rental, location),
      202: answer('Still REQUESTED; poll the Location', rental, location),
      // 503 `overloaded` (with Retry-After, nothing recorded): too many rents in flight, or the store throttling.
      ...problems(400, 404, 422, 503),
    },
  }),
  useCase('rentals.read', {
    method: 'get',
    path: '/rentals/{rentalId}',
    operationId: 'getRental',
    summary: 'A rental',
    request: { params: rentalId },
    responses: { 200: answer('The rental', rental), ...problems(404) },
  }),
  useCase('rentals.return', {
    method: 'post',
    path: '/rentals/{rentalId}/return',
    operationId: 'returnRental',
    summary: 'Return a rented book; a late return charges a fee',
    request: { params: rentalId },
    responses: { 200: answer('RETURNED, with lateDays and fee', rental), ...problems(404, 409) },
  }),
  useCase('rentals.renew', {
    method: 'post',
    path: '/rentals/{rentalId}/renew',
    operationId: 'renewRental',
    summary: 'Renew a loan: the due date moves on by the loan period',
    description:
      'At most MAX_RENEWALS times (409 renewal-limit); an overdue loan (409 rental-overdue), one not on loan (409 not-on-loan) or one of a book another member waits for (409 book-on-hold) cannot be renewed.',
    request: { params: rentalId },
    responses: { 200: answer('The loan with its new dueAt and renewals', rental), ...problems(404, 409) },
  }),
  useCase('holds.place', {
    method: 'post',
    path: '/books/{bookId}/holds',
    operationId: 'placeHold',
    summary: 'Join the hold queue of a book with no free copy',
    description:
      'When a copy comes back it is kept for the first in line for HOLD_DAYS (READY). 409 when a copy is free ' +
      '(copy-available), when the member holds the book (already-held) or has it on loan (already-on-loan), or ' +
      'when the book is withdrawn (book-unavailable).',
    request: {
      params: bookId,
      headers: idempotencyKey,
      body: jsonBody(holdBody, {}, false),
    },
    responses: {
      201: answer('Placed: WAITING, with its position', hold, location),
      ...problems(400, 404, 409, 422),
    },
  }),
  useCase('holds.list', {
    method: 'get',
    path: '/books/{bookId}/holds',
    operationId: 'listBookHolds',
    summary: "A book's hold queue, first in line first",
    request: { params: bookId },
    responses: { 200: answer('The queue', bookHolds), ...problems(404) },
  }),
  useCase('holds.cancel', {
    method: 'delete',
    path: '/holds/{holdId}',
    operationId: 'cancelHold',
    summary: "Cancel a hold; a READY hold's copy passes to the next in line",
    request: { params: holdId },
    responses: {
      200: answer('CANCELLED', hold),
      ...problems(404, 409),
    },
  }),
  useCase('reviews.post', {
    method: 'post',
    path: '/books/{bookId}/reviews',
    operationId: 'postReview',
    summary:
      'Review a book the member has returned; one review per member and book, posting again replaces it',
    description: 'A member who has not returned the book is refused (403 not-returned).',
    request: { params: bookId, body: jsonBody(reviewBody, { rating: 5, text: 'Clear and practical.' }) },
    responses: {
      201: answer('Posted', review),
      200: answer('Replaced the earlier review', review),
      ...problems(400, 404),
    },
  }),
  useCase('reviews.list', {
    method: 'get',
    path: '/books/{bookId}/reviews',
    operationId: 'listReviews',
    summary: "A book's reviews, newest first",
    request: { params: bookId, query: reviewListQuery },
    responses: { 200: answer('A page of reviews', reviewPage), ...problems(400, 404) },
  }),
  useCase('reviews.delete', {
    method: 'delete',
    path: '/reviews/{reviewId}',
    operationId: 'deleteReview',
    summary: 'Remove a review (its author or a librarian)',
    request: { params: reviewId },
    responses: { 204: { description: 'Removed' }, ...problems(404) },
  }),
  useCase('members.mypage', {
    method: 'get',
    path: '/members/{memberId}/mypage',
    operationId: 'getMypage',
    summary: "A member's page, from the views the change feed keeps",
    request: { params: memberId },
    responses: { 200: answer('The page', mypage), ...problems(404) },
  }),
  useCase('rentals.board', {
    method: 'get',
    path: '/rentals',
    operationId: 'rentalBoard',
    summary: 'The rental board: overdue first, then by due date',
    request: { query: rentalBoardQuery },
    responses: { 200: answer('A page of the board', rentalBoardPage), ...problems(400) },
  }),
  useCase('views.rebuild', {
    method: 'post',
    path: '/views/rebuild',
    operationId: 'rebuildViews',
    summary: 'Recompute every view from the write model, in the background',
    responses: { 202: answer('Started; poll the Location', rebuildStatus, location) },
  }),
  useCase('views.rebuild', {
    method: 'get',
    path: '/views/rebuild/{id}',
    operationId: 'getViewsRebuild',
    summary: 'How far a views rebuild has got',
    request: { params: z.object({ id: z.string().describe('The rebuild') }) },
    responses: { 200: answer('Its status', rebuildStatus), ...problems(404) },
  }),
  useCase('deadLetters.replay', {
    method: 'post',
    path: '/dead-letters/replay',
    operationId: 'replayDeadLetters',
    summary: 'Run the changes a consumer failed on again; those that succeed are removed',
    responses: { 200: answer('What went through', replayResult) },
  }),
  useCase('notices.list', {
    method: 'get',
    path: '/members/{memberId}/notices',
    operationId: 'listNotices',
    summary: "A member's notices, newest first",
    request: { params: memberId, query: noticeListQuery },
    responses: { 200: answer('A page of notices', noticePage), ...problems(400, 404) },
  }),
  useCase('notices.deadLetters', {
    method: 'get',
    path: '/notices/dead-letters',
    operationId: 'listNoticeDeadLetters',
    summary: 'Notices Service Bus dead-lettered after their deliveries failed, oldest first',
    request: { query: noticeDeadLettersQuery },
    responses: { 200: answer('Up to `limit` dead-lettered notices', noticeDeadLetters), ...problems(400) },
  }),
  useCase('notices.deadLetters', {
    method: 'post',
    path: '/notices/dead-letters/replay',
    operationId: 'replayNoticeDeadLetters',
    summary: 'Send the dead-lettered notices again; one that got through before is delivered nothing twice',
    responses: { 200: answer('What was sent again, and what is not a notice', replayResult) },
  }),
  {
    method: 'get',
    path: '/asyncapi.json',
    operationId: 'asyncapi',
    summary: 'The AsyncAPI 3.0 document of the domain events',
    security: anyone,
    responses: { 200: answer('The AsyncAPI document', z.object({}).passthrough()) },
  },
];
/** Each operation's part of the API. */
const TAG_OF: Record<string, Tag> = {
  health: 'operations',
  openapi: 'operations',
  asyncapi: 'operations',
  listBooks: 'catalog',
  createBook: 'catalog',
  getBook: 'catalog',
  updateBook: 'catalog',
  deleteBook: 'catalog',
  createMember: 'members',
  listMembers: 'members',
  getMember: 'members',
  depositPoints: 'members',
  payFees: 'members',
  checkPoints: 'members',
  listMemberRentals: 'rentals',
  rentBook: 'rentals',
  getRental: 'rentals',
  returnRental: 'rentals',
  renewRental: 'rentals',
  rentalBoard: 'rentals',
  placeHold: 'holds',
  listBookHolds: 'holds',
  cancelHold: 'holds',
  postReview: 'reviews',
  listReviews: 'reviews',
  deleteReview: 'reviews',
  getMypage: 'views',
  listNotices: 'views',
  rebuildViews: 'views',
  getViewsRebuild: 'views',
  replayDeadLetters: 'operations',
  listNoticeDeadLetters: 'operations',
  replayNoticeDeadLetters: 'operations',
};
for (const route of routes) {
  const tag = TAG_OF[route.operationId ?? ''];
  if (!tag) throw new Error(`The operation ${route.operationId} has no tag in TAG_OF.`);
  registry.registerPath(served(tag, route));
}

type OpenApiDocument = ReturnType<OpenApiGeneratorV31['generateDocument']>;
let made: OpenApiDocument | undefined;

/** The document, made at the first request for it, not when the app loads (a cold start skips it). */
export const openApiDocument = (): OpenApiDocument =>
  (made ??= new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'rentbook',
      version: '0.1.0',
      description:
        'Library book rentals. Members rent with points; librarians manage the catalog. Errors are RFC 9457 problem+json.',
    },
    servers: [{ url: '/api' }],
    security: signedIn,
    tags: Object.entries(TAGS).map(([name, description]) => ({ name, description })),
  }));
