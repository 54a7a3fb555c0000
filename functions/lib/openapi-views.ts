// The OpenAPI paths of the read models, their rebuild, the dead letters and the AsyncAPI document,
// with their shapes taken from the zod schemas in ./schemas.ts.
import type { ZodTypeAny } from 'zod';
import { jsonSchema } from './json-schema';
import { mypageReply, rebuildStatusReply, rentalBoardQuery, rentalBoardReply, replayReply } from './schemas';

const problems = (...statuses: number[]) =>
  Object.fromEntries(statuses.map((s) => [String(s), { $ref: `#/components/responses/Problem${s}` }]));
const ok = (description: string, schema: unknown, headers?: Record<string, unknown>) => ({
  description,
  content: { 'application/json': { schema } },
  ...(headers ? { headers } : {}),
});
const queryParameters = (schema: { shape: Record<string, ZodTypeAny> }) =>
  Object.entries(schema.shape).map(([name, s]) => ({ name, in: 'query', schema: jsonSchema(s) }));

export const rentalBoardOperation = {
  operationId: 'rentalBoard',
  summary: "The librarian's rental board: overdue first, then by due date (librarians)",
  parameters: queryParameters(rentalBoardQuery),
  responses: { '200': ok('A page of the board', jsonSchema(rentalBoardReply)), ...problems(400, 401, 403) },
};

export const viewPaths = {
  '/members/{memberId}/mypage': {
    parameters: [{ name: 'memberId', in: 'path', required: true, schema: { type: 'string' } }],
    get: {
      operationId: 'getMypage',
      summary: "A member's page, from the views the change feed keeps (self or librarian)",
      responses: { '200': ok('The page', jsonSchema(mypageReply)), ...problems(401, 403, 404) },
    },
  },
  '/views/rebuild': {
    post: {
      operationId: 'rebuildViews',
      summary: 'Recompute every view from the write model, in the background (librarians)',
      responses: {
        '202': ok('Started; poll the Location', jsonSchema(rebuildStatusReply), {
          Location: { description: 'The status URL', schema: { type: 'string' } },
        }),
        ...problems(401, 403),
      },
    },
  },
  '/views/rebuild/{id}': {
    parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
    get: {
      operationId: 'getViewsRebuild',
      summary: 'How far a views rebuild has got (librarians)',
      responses: { '200': ok('Its status', jsonSchema(rebuildStatusReply)), ...problems(401, 403, 404) },
    },
  },
  '/dead-letters/replay': {
    post: {
      operationId: 'replayDeadLetters',
      summary: 'Run the changes a consumer failed on again; those that succeed are removed (librarians)',
      responses: { '200': ok('What went through', jsonSchema(replayReply)), ...problems(401, 403) },
    },
  },
  '/asyncapi.json': {
    get: {
      operationId: 'asyncapi',
      summary: 'The AsyncAPI 3.0 document of the domain events',
      security: [],
      responses: { '200': ok('The AsyncAPI document', { type: 'object' }) },
    },
  },
};
