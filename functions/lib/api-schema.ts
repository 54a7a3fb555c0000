// The one source of the API documents: zod schemas, extended with names and descriptions for
// documents (`.openapi('Book')`), turned into JSON Schema by @asteasolutions/zod-to-openapi (OpenAPI
// 3.1's dialect). What it produces for our schemas (objects, enums, nullable as a type list, formats,
// $ref) is valid draft-07 too, so an AsyncAPI 3.0 document takes it unchanged as message payloads,
// and its `#/components/schemas/<name>` references resolve there as well.
//
// The OpenAPI document (./openapi-document.ts) registers its routes on `new OpenAPIRegistry()`.
// A document that needs only schemas — the AsyncAPI document's `components.schemas`, one per event
// payload — calls `schemaComponents({ RentalApproved: rentalApproved, ... })`: each becomes
// `#/components/schemas/<name>`, and a schema named with `.openapi('<name>')` used inside another
// becomes a `$ref` to it.
import { extendZodWithOpenApi, OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

// Adds `.openapi()` to every zod schema; import `z` from here where schemas carry document names.
extendZodWithOpenApi(z);

export { z };

type Components = NonNullable<ReturnType<OpenApiGeneratorV31['generateComponents']>['components']>;
export type SchemaComponents = NonNullable<Components['schemas']>;

/** JSON Schemas for named zod schemas, keyed by name, for a document's `components.schemas`. */
export function schemaComponents(named: Record<string, z.ZodTypeAny>): SchemaComponents {
  const registry = new OpenAPIRegistry();
  for (const [name, schema] of Object.entries(named)) registry.register(name, schema);
  return new OpenApiGeneratorV31(registry.definitions).generateComponents().components?.schemas ?? {};
}
