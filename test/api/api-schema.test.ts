// The mechanism both API documents use: named zod schemas in, JSON Schemas for `components.schemas`
// out, with a named schema used inside another as a $ref (what the AsyncAPI document's event
// payloads need as much as the OpenAPI document's bodies).
import { describe, expect, it } from 'vitest';
import { schemaComponents, z } from '../../functions/lib/api-schema';

describe('schemaComponents', () => {
  it('turns named schemas into JSON Schemas, a named schema inside another into a $ref', () => {
    const copy = z.object({ bookId: z.string(), copies: z.number().int().min(1) }).openapi('Copy');
    const lent = z.object({
      type: z.literal('rentbook.copy.lent'),
      at: z.string().datetime(),
      copy,
      memberId: z.string().nullable(),
    });
    expect(schemaComponents({ CopyLent: lent })).toEqual({
      Copy: {
        type: 'object',
        properties: { bookId: { type: 'string' }, copies: { type: 'integer', minimum: 1 } },
        required: ['bookId', 'copies'],
      },
      CopyLent: {
        type: 'object',
        properties: {
          type: { type: 'string', enum: ['rentbook.copy.lent'] },
          at: { type: 'string', format: 'date-time' },
          copy: { $ref: '#/components/schemas/Copy' },
          memberId: { type: ['string', 'null'] },
        },
        required: ['type', 'at', 'copy', 'memberId'],
      },
    });
  });
});
