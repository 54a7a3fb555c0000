// Conversions between JS values and RPC typed data, the host's half of what `@azure/functions` does.
import type { TypedData } from './types';

export function toTypedData(value: unknown): TypedData | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return { string: value };
  if (Buffer.isBuffer(value)) return { bytes: value };
  if (ArrayBuffer.isView(value))
    return { bytes: new Uint8Array(value.buffer, value.byteOffset, value.byteLength) };
  if (value instanceof ArrayBuffer) return { bytes: new Uint8Array(value) };
  if (typeof value === 'number') return Number.isInteger(value) ? { int: value } : { double: value };
  return { json: JSON.stringify(value) };
}

/**
 * Typed data for a value of a non-HTTP trigger's metadata. `@azure/functions` tries to parse each
 * `string` as JSON and keeps the text when the parse fails; a failed parse throws, and a Service Bus
 * message's or an event's metadata (ids, lock tokens, times, content types) failed it about ten times
 * an invocation: some 2% of the host's processor time under the benchmark. A string that cannot be
 * JSON goes as the JSON of that string instead, which the library parses back to the same text with
 * no throw; a string that may be JSON ("12345", "true") goes as before, for the library to parse.
 * Not for an HTTP trigger: the library takes its route parameters from the metadata's strings as such.
 */
export function toMetadataTypedData(value: unknown): TypedData | undefined {
  if (typeof value === 'string' && !mayBeJson(value)) return { json: JSON.stringify(value) };
  return toTypedData(value);
}

const JSON_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

/** False only for text JSON.parse refuses (trim removes JSON's whitespace and more: it errs towards true). */
function mayBeJson(text: string): boolean {
  const t = text.trim();
  if (t === '') return false;
  if (t[0] === '{' || t[0] === '[' || t[0] === '"') return true;
  return t === 'true' || t === 'false' || t === 'null' || JSON_NUMBER.test(t);
}

export function fromTypedData(data: TypedData | null | undefined): unknown {
  if (!data) return undefined;
  if (data.string !== undefined) return tryJson(data.string);
  if (data.json !== undefined) return JSON.parse(data.json) as unknown;
  if (data.bytes !== undefined) return Buffer.from(data.bytes);
  if (data.int !== undefined) return data.int;
  if (data.double !== undefined) return data.double;
  if (data.http !== undefined) return data.http;
  if (data.collectionString) return data.collectionString.string.map(tryJson);
  if (data.collectionBytes) return data.collectionBytes.bytes.map((b) => Buffer.from(b));
  if (data.collectionDouble) return data.collectionDouble.double;
  if (data.collectionSint64) return data.collectionSint64.sint64;
  return undefined;
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
