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
