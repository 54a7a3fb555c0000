// Binding expressions (`{id}`, `{Query.id}`, `{Headers.x-tenant}`, `{body.customer.id}`), resolved
// from an invocation's binding data as the Functions host resolves them: for an HTTP trigger the
// properties of a JSON object body, the route parameters (which win over body properties), `Query`
// and `Headers`; for other triggers the trigger metadata and, when the trigger value is a JSON
// object (a queue message, an event), its properties. Names are matched without regard to case,
// dotted names walk into objects, and `{rand-guid}` / `{sys.randguid}` / `{DateTime}` /
// `{sys.utcnow}` are the host's system values. A name with no value fails the invocation, as it
// does in Azure.
import { randomUUID } from 'node:crypto';

export type BindingData = Readonly<Record<string, unknown>>;

const EXPRESSION = /\{([^{}]+)\}/g;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The binding data of an HTTP request (the body's properties only when it is a JSON object). */
export function httpBindingData(request: {
  params: Record<string, string>;
  query: Record<string, string>;
  headers: Record<string, string>;
  body?: Buffer;
}): BindingData {
  let fields: Record<string, unknown> = {};
  if (request.body?.length && /json/i.test(request.headers['content-type'] ?? 'application/json')) {
    try {
      const parsed = JSON.parse(request.body.toString('utf8')) as unknown;
      if (isObject(parsed)) fields = parsed;
    } catch {
      // Not JSON: the body gives no binding data, as in Azure.
    }
  }
  return { ...fields, ...request.params, Query: request.query, Headers: request.headers };
}

/** The binding data of a non-HTTP trigger: its metadata and, for a JSON object value, its properties. */
export function triggerBindingData(trigger: unknown, metadata?: Record<string, unknown>): BindingData {
  let value = trigger;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value) as unknown;
    } catch {
      // A plain text message gives no properties.
    }
  }
  return { ...(metadata ?? {}), ...(isObject(value) ? value : {}) };
}

function lookup(data: BindingData, name: string): unknown {
  let current: unknown = data;
  for (const part of name.split('.')) {
    if (!isObject(current)) return undefined;
    const key = Object.keys(current).find((k) => k.toLowerCase() === part.toLowerCase());
    if (key === undefined) return undefined;
    current = current[key];
  }
  return current;
}

/** The value of one expression name (without braces); throws when the binding data has none. */
export function expressionValue(data: BindingData, name: string): unknown {
  const n = name.trim();
  switch (n.toLowerCase()) {
    case 'rand-guid':
    case 'sys.randguid':
      return randomUUID();
    case 'datetime':
    case 'sys.utcnow':
      return new Date().toISOString();
  }
  const value = lookup(data, n);
  if (value === undefined || value === null) throw new Error(`No value for named parameter '${n}'.`);
  return value;
}

/** Whether a binding property holds binding expressions. */
export function hasExpressions(text: string): boolean {
  return new RegExp(EXPRESSION.source).test(text);
}

/** Replaces every `{name}` in `text` with its value (objects as JSON). */
export function resolveExpressions(text: string, data: BindingData): string {
  return text.replace(EXPRESSION, (_, name: string) => {
    const value = expressionValue(data, name);
    return typeof value === 'object' ? JSON.stringify(value) : String(value);
  });
}
