// The AsyncAPI document describes every event type, and every event the app publishes fits the
// payload schema of its message in it, as its zod schema says.
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { EVENT_TYPES, eventSchemas, type EventType } from '../../shared/app/events';
import { librarian, libraryHost } from '../rentals/support-host';
import { hubEvents } from '../events/support-events';

const ctx = libraryHost();

interface AsyncApi {
  asyncapi: string;
  channels: Record<string, { address: string; messages: Record<string, { $ref: string }> }>;
  operations: Record<string, { action: string; messages: { $ref: string }[] }>;
  components: {
    schemas: Record<string, unknown>;
    messages: Record<string, { name: string; payload: { $ref: string } }>;
  };
}

async function document(): Promise<AsyncApi> {
  const res = await fetch(`${ctx.host.url}/api/asyncapi.json`);
  expect(res.status).toBe(200);
  return (await res.json()) as AsyncApi;
}

function resolve(doc: AsyncApi, ref: string): unknown {
  return ref
    .replace(/^#\//, '')
    .split('/')
    .reduce<unknown>((node, key) => (node as Record<string, unknown>)?.[key], doc);
}

describe('AsyncAPI document', () => {
  it('is AsyncAPI 3.0 with one message per event type on rentbook-events, every $ref resolving', async () => {
    const doc = await document();
    expect(doc.asyncapi).toBe('3.0.0');
    expect(Object.values(doc.channels).map((c) => c.address)).toEqual(['rentbook-events']);
    expect(Object.keys(doc.components.messages).sort()).toEqual([...EVENT_TYPES].sort());
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1]);
    expect(refs.length).toBeGreaterThanOrEqual(EVENT_TYPES.length * 2);
    for (const ref of refs) expect(resolve(doc, ref), ref).toBeDefined();
  });

  it('accepts every event the app published, and rejects them altered, as the zod schemas do', async () => {
    const { lib } = ctx;
    const book = await lib.addBook({ price: 100, copies: 1 });
    const rich = await lib.addMember(500);
    const poor = await lib.addMember(0);
    const approved = await lib.rent(rich, book.id);
    await lib.rent(poor, (await lib.addBook({ price: 100, copies: 1 })).id);
    await lib.returnBook(approved.body.id);
    await lib.api('PATCH', `/api/books/${book.id}`, { token: librarian, body: { copies: 2 } });
    await lib.api('DELETE', `/api/books/${book.id}`, { token: librarian });

    const doc = await document();
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addSchema({ $id: 'asyncapi.json', components: { schemas: doc.components.schemas } });
    const validators = new Map(
      EVENT_TYPES.map(
        (t) => [t, ajv.compile({ $ref: `asyncapi.json${doc.components.messages[t].payload.$ref}` })] as const,
      ),
    );
    // Wait until every type this story produces has been relayed.
    const wanted: EventType[] = [
      'rentbook.book.registered',
      'rentbook.book.updated',
      'rentbook.book.removed',
      'rentbook.member.registered',
      'rentbook.points.deposited',
      'rentbook.points.debited',
      'rentbook.rental.requested',
      'rentbook.rental.approved',
      'rentbook.rental.rejected',
      'rentbook.rental.returned',
    ];
    let events = await hubEvents(ctx.host);
    for (const until = Date.now() + 20_000; wanted.some((t) => !events.some((e) => e.body.type === t));) {
      if (Date.now() > until) throw new Error('not every event type arrived');
      await new Promise((r) => setTimeout(r, 50));
      events = await hubEvents(ctx.host);
    }
    for (const { body } of events) {
      const type = body.type as EventType;
      const validate = validators.get(type)!;
      expect(validate(body), JSON.stringify(validate.errors)).toBe(true);
      expect(eventSchemas[type].safeParse(body).success).toBe(true);
      const { subject: _subject, ...withoutSubject } = body;
      for (const altered of [{ ...body, specversion: '0.3' }, withoutSubject]) {
        expect(validate(altered)).toBe(false);
        expect(eventSchemas[type].safeParse(altered).success).toBe(false);
      }
    }
  });
});
