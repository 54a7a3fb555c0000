// The OpenAPI 3.1 description of the HTTP API, generated from the zod schemas the handlers read
// requests with and the response schemas of ./schemas.ts. A test compares its paths with the routes
// the functions register, and the live API's requests and responses with its schemas.
import { OpenAPIRegistry, OpenApiGeneratorV31, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { ruleOf, type Action } from '../../shared/app/authorization';
import { z } from './api-schema';
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

const PROBLEM_STATUSES = [400, 401, 403, 404, 409, 412, 422] as const;
type ProblemStatus = (typeof PROBLEM_STATUSES)[number];

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
  registry.registerComponent('responses', `Problem${status}`, {
    description: 'A problem (RFC 9457)',
    content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
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
const jsonBody = (schema: z.ZodTypeAny) => ({ required: true, content: { 'application/json': { schema } } });

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
  if (rule === 'anyone') return { ...route, security: anyone };
  return {
    ...route,
    summary: route.summary + who[rule],
    responses: { ...route.responses, ...problems(401, 403) },
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
    request: { body: jsonBody(newBookBody) },
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
      body: jsonBody(bookEditBody),
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
    request: { body: jsonBody(newMemberBody) },
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
    request: { params: memberId, headers: idempotencyKey, body: jsonBody(depositBody) },
    responses: { 200: answer('The new balance', pointsBalance), ...problems(400, 404, 422) },
  }),
  useCase('fees.pay', {
    method: 'post',
    path: '/members/{memberId}/fees/payments',
    operationId: 'payFees',
    summary: 'Pay late fees from points',
    description:
      'More than is owed, or more than the points cover, is 409 (more-than-owed, insufficient-points) and changes nothing.',
    request: { params: memberId, headers: idempotencyKey, body: jsonBody(feePaymentBody) },
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
    request: { headers: idempotencyKey, body: jsonBody(rentalBody) },
    responses: {
      201: answer('Settled: APPROVED with dueAt, or REJECTED with reason', rental, location),
      202: answer('Still REQUESTED; poll the Location', rental, location),
      ...problems(400, 404, 422),
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
      body: { required: false, content: { 'application/json': { schema: holdBody } } },
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
    request: { params: bookId, body: jsonBody(reviewBody) },
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
for (const route of routes) registry.registerPath(route);

export const openApiDocument = new OpenApiGeneratorV31(registry.definitions).generateDocument({
  openapi: '3.1.0',
  info: {
    title: 'rentbook',
    version: '0.1.0',
    description:
      'Library book rentals. Members rent with points; librarians manage the catalog. Errors are RFC 9457 problem+json.',
  },
  servers: [{ url: '/api' }],
  security: signedIn,
});
