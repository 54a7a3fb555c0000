// The OpenAPI 3.1 description of the HTTP API. A test compares its paths and methods with the
// routes the functions register, so the two cannot drift apart.
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const problems = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((s) => [String(s), { $ref: `#/components/responses/Problem${s}` }]));
const jsonContent = (schema: unknown) => ({ 'application/json': { schema } });
const ok = (description: string, schema: unknown, headers?: Record<string, unknown>) => ({
  description,
  content: jsonContent(schema),
  ...(headers ? { headers } : {}),
});
const pathParam = (name: string, description: string) => ({
  name,
  in: 'path',
  required: true,
  description,
  schema: { type: 'string' },
});
const idempotencyKey = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description:
    'Repeat a request with the same key to get the first answer again; nothing happens twice. ' +
    'The key is bound to its first request: with another request it is 422 idempotency-key-reused.',
  schema: { type: 'string', minLength: 1, maxLength: 200 },
};
const limit = {
  name: 'limit',
  in: 'query',
  schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
};
const continuation = {
  name: 'continuation',
  in: 'query',
  description: 'The `continuation` of the previous page.',
  schema: { type: 'string' },
};
const location = { Location: { description: 'The URL of the resource', schema: { type: 'string' } } };
// What a librarian may set on a book, when registering it and when editing it.
const bookFields = {
  title: { type: 'string', minLength: 1, maxLength: 200 },
  author: { type: 'string', minLength: 1, maxLength: 200 },
  isbn: { type: ['string', 'null'] },
  price: { type: 'integer', minimum: 0 },
  copies: { type: 'integer', minimum: 1 },
};
const signedIn = [{ bearer: [] }, { appServiceAuthentication: [] }];
const anyone: unknown[] = [];

export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'rentbook',
    version: '0.1.0',
    description:
      'Library book rentals. Members rent with points; librarians manage the catalog. Errors are RFC 9457 problem+json.',
  },
  servers: [{ url: '/api' }],
  security: signedIn,
  paths: {
    '/health': {
      get: {
        operationId: 'health',
        summary: 'The app is up',
        security: anyone,
        responses: { '200': ok('Up', { type: 'object', properties: { status: { const: 'ok' } } }) },
      },
    },
    '/openapi.json': {
      get: {
        operationId: 'openapi',
        summary: 'This document',
        security: anyone,
        responses: { '200': ok('The OpenAPI document', { type: 'object' }) },
      },
    },
    '/books': {
      get: {
        operationId: 'listBooks',
        summary: 'List or search the catalog',
        security: anyone,
        parameters: [
          {
            name: 'q',
            in: 'query',
            description: 'Words in the title or author',
            schema: { type: 'string', maxLength: 200 },
          },
          { name: 'status', in: 'query', schema: ref('BookStatus') },
          limit,
          continuation,
        ],
        responses: { '200': ok('A page of books', ref('BookPage')), ...problems(400) },
      },
      post: {
        operationId: 'createBook',
        summary: 'Register a book (librarian)',
        requestBody: { required: true, content: jsonContent(ref('NewBook')) },
        responses: { '201': ok('Registered', ref('Book'), location), ...problems(400, 401, 403) },
      },
    },
    '/books/{bookId}': {
      parameters: [pathParam('bookId', 'The book')],
      get: {
        operationId: 'getBook',
        summary: 'One book with its live availability',
        security: anyone,
        responses: { '200': ok('The book', ref('Book')), ...problems(404) },
      },
      patch: {
        operationId: 'updateBook',
        summary: 'Edit a book (librarian)',
        parameters: [
          {
            name: 'If-Match',
            in: 'header',
            required: false,
            description: "The book's etag",
            schema: { type: 'string' },
          },
        ],
        requestBody: { required: true, content: jsonContent(ref('BookEdit')) },
        responses: { '200': ok('Edited', ref('Book')), ...problems(400, 401, 403, 404, 409, 412) },
      },
      delete: {
        operationId: 'deleteBook',
        summary: 'Remove a book with no copy on loan (librarian)',
        responses: { '204': { description: 'Removed' }, ...problems(401, 403, 404, 409) },
      },
    },
    '/members': {
      post: {
        operationId: 'createMember',
        summary: 'Register a member (librarian)',
        requestBody: { required: true, content: jsonContent(ref('NewMember')) },
        responses: { '201': ok('Registered', ref('Member'), location), ...problems(400, 401, 403) },
      },
    },
    '/members/{memberId}': {
      parameters: [pathParam('memberId', 'The member')],
      get: {
        operationId: 'getMember',
        summary: 'A member (self or librarian)',
        responses: { '200': ok('The member', ref('Member')), ...problems(401, 403, 404) },
      },
    },
    '/members/{memberId}/points': {
      parameters: [pathParam('memberId', 'The member')],
      post: {
        operationId: 'depositPoints',
        summary: 'Deposit points (self or librarian)',
        parameters: [idempotencyKey],
        requestBody: { required: true, content: jsonContent(ref('Deposit')) },
        responses: { '200': ok('The new balance', ref('Balance')), ...problems(400, 401, 403, 404, 422) },
      },
    },
    '/members/{memberId}/points/check': {
      parameters: [pathParam('memberId', 'The member')],
      get: {
        operationId: 'checkPoints',
        summary: 'Does the balance cover an amount? (self or librarian)',
        parameters: [
          { name: 'amount', in: 'query', required: true, schema: { type: 'integer', minimum: 0 } },
        ],
        responses: { '200': ok('The check', ref('PointsCheck')), ...problems(400, 401, 403, 404) },
      },
    },
    '/members/{memberId}/rentals': {
      parameters: [pathParam('memberId', 'The member')],
      get: {
        operationId: 'listMemberRentals',
        summary: "A member's rental history, newest first (self or librarian)",
        parameters: [{ name: 'status', in: 'query', schema: ref('RentalStatus') }, limit, continuation],
        responses: { '200': ok('A page of rentals', ref('RentalPage')), ...problems(400, 401, 403, 404) },
      },
    },
    '/rentals': {
      post: {
        operationId: 'rentBook',
        summary: 'Rent a book: runs the borrow saga and waits a few seconds for its outcome',
        parameters: [idempotencyKey],
        requestBody: { required: true, content: jsonContent(ref('RentalRequest')) },
        responses: {
          '201': ok('Settled: APPROVED with dueAt, or REJECTED with reason', ref('Rental'), location),
          '202': ok('Still REQUESTED; poll the Location', ref('Rental'), location),
          ...problems(400, 401, 403, 422),
        },
      },
    },
    '/rentals/{rentalId}': {
      parameters: [pathParam('rentalId', 'The rental')],
      get: {
        operationId: 'getRental',
        summary: 'A rental (owner or librarian)',
        responses: { '200': ok('The rental', ref('Rental')), ...problems(401, 403, 404) },
      },
    },
    '/rentals/{rentalId}/return': {
      parameters: [pathParam('rentalId', 'The rental')],
      post: {
        operationId: 'returnRental',
        summary: 'Return a rented book; a late return charges a fee (owner or librarian)',
        responses: {
          '200': ok('RETURNED, with lateDays and fee', ref('Rental')),
          ...problems(401, 403, 404, 409),
        },
      },
    },
  },
  components: {
    securitySchemes: {
      bearer: {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description: 'On the local host: `npm run token -- --member <id>` or `npm run token -- --librarian`.',
      },
      appServiceAuthentication: {
        type: 'apiKey',
        in: 'header',
        name: 'x-ms-client-principal',
        description: 'In Azure: set by App Service Authentication in front of the app, never by clients.',
      },
    },
    responses: Object.fromEntries(
      [400, 401, 403, 404, 409, 412, 422].map((s) => [
        `Problem${s}`,
        {
          description: 'A problem (RFC 9457)',
          content: { 'application/problem+json': { schema: ref('Problem') } },
        },
      ]),
    ),
    schemas: {
      BookStatus: { type: 'string', enum: ['AVAILABLE', 'RENTED', 'UNAVAILABLE'] },
      RentalStatus: { type: 'string', enum: ['REQUESTED', 'APPROVED', 'REJECTED', 'OVERDUE', 'RETURNED'] },
      Book: {
        type: 'object',
        required: ['id', 'title', 'author', 'isbn', 'price', 'copies', 'available', 'status', 'etag'],
        properties: {
          id: { type: 'string' },
          title: { type: 'string' },
          author: { type: 'string' },
          isbn: { type: ['string', 'null'] },
          price: { type: 'integer', minimum: 0, description: 'Points per rental' },
          copies: { type: 'integer', minimum: 1 },
          available: { type: 'integer', minimum: 0 },
          status: ref('BookStatus'),
          etag: { type: 'string' },
        },
      },
      NewBook: {
        type: 'object',
        required: ['title', 'author', 'price', 'copies'],
        additionalProperties: false,
        properties: { ...bookFields, withdrawn: { type: 'boolean', default: false } },
      },
      BookEdit: {
        type: 'object',
        minProperties: 1,
        additionalProperties: false,
        properties: { ...bookFields, withdrawn: { type: 'boolean' } },
      },
      BookPage: {
        type: 'object',
        required: ['items'],
        properties: {
          items: { type: 'array', items: ref('Book') },
          continuation: { type: ['string', 'null'] },
        },
      },
      Member: {
        type: 'object',
        required: ['id', 'name', 'phone', 'points', 'feesOwed'],
        properties: {
          id: { type: 'string' },
          name: { type: 'string' },
          phone: { type: ['string', 'null'] },
          points: { type: 'integer', minimum: 0 },
          feesOwed: { type: 'integer', minimum: 0, description: 'Late fees owed, KRW' },
        },
      },
      NewMember: {
        type: 'object',
        required: ['name'],
        additionalProperties: false,
        properties: {
          name: { type: 'string', minLength: 1, maxLength: 100 },
          phone: { type: ['string', 'null'] },
        },
      },
      Deposit: {
        type: 'object',
        required: ['amount'],
        additionalProperties: false,
        properties: { amount: { type: 'integer', minimum: 1 } },
      },
      Balance: {
        type: 'object',
        required: ['memberId', 'points'],
        properties: { memberId: { type: 'string' }, points: { type: 'integer' } },
      },
      PointsCheck: {
        type: 'object',
        required: ['memberId', 'points', 'amount', 'sufficient'],
        properties: {
          memberId: { type: 'string' },
          points: { type: 'integer' },
          amount: { type: 'integer' },
          sufficient: { type: 'boolean' },
        },
      },
      RentalRequest: {
        type: 'object',
        required: ['bookId'],
        additionalProperties: false,
        properties: {
          bookId: { type: 'string' },
          memberId: {
            type: 'string',
            description: "A librarian renting for a member; a member's own id otherwise",
          },
        },
      },
      Rental: {
        type: 'object',
        required: ['id', 'memberId', 'bookId', 'bookTitle', 'price', 'status', 'requestedAt'],
        properties: {
          id: { type: 'string' },
          memberId: { type: 'string' },
          bookId: { type: 'string' },
          bookTitle: { type: ['string', 'null'] },
          price: { type: 'integer' },
          status: ref('RentalStatus'),
          reason: {
            type: 'string',
            enum: [
              'BOOK_RENTED',
              'BOOK_UNAVAILABLE',
              'INSUFFICIENT_POINTS',
              'MEMBER_NOT_FOUND',
              'BOOK_NOT_FOUND',
              'PROCESSING_FAILED',
            ],
          },
          requestedAt: { type: 'string', format: 'date-time' },
          approvedAt: { type: 'string', format: 'date-time' },
          dueAt: { type: 'string', format: 'date-time' },
          returnedAt: { type: 'string', format: 'date-time' },
          lateDays: { type: 'integer', minimum: 0 },
          fee: { type: 'integer', minimum: 0, description: 'Late fee charged at return, KRW' },
        },
      },
      RentalPage: {
        type: 'object',
        required: ['items'],
        properties: {
          items: { type: 'array', items: ref('Rental') },
          continuation: { type: ['string', 'null'] },
        },
      },
      Problem: {
        type: 'object',
        required: ['type', 'title', 'status', 'detail'],
        properties: {
          type: { type: 'string', description: 'A stable URN: urn:rentbook:problem:<code>' },
          title: { type: 'string' },
          status: { type: 'integer' },
          detail: { type: 'string' },
        },
      },
    },
  },
} as const;
