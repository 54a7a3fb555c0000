// zod schemas as JSON Schema, for the API documents: the shapes are written once, in zod.
import type { z } from 'zod';
import { zodToJsonSchema } from 'zod-to-json-schema';

// zod-to-json-schema's own parameter type is too deep for the compiler to check against a
// generic schema; it accepts any zod schema.
const convert = zodToJsonSchema as unknown as (
  schema: z.ZodTypeAny,
  options: { $refStrategy: 'none'; target: 'jsonSchema7' },
) => Record<string, unknown>;

/** The JSON Schema of `schema`, inline (no `$ref`s), without the `$schema` keyword. */
export function jsonSchema(schema: z.ZodTypeAny): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = convert(schema, { $refStrategy: 'none', target: 'jsonSchema7' });
  return rest;
}
