// Greetings as the template's two HTTP functions give them: a name from the query or the body, and
// a JSON person checked before it is used; plus one that throws.
import { app, type HttpRequest } from '@azure/functions';
import { notes } from '../journal';

app.http('hello', {
  methods: ['GET', 'POST'],
  authLevel: 'function',
  handler: async (request: HttpRequest) => {
    const name = request.query.get('name') || (await request.text()) || 'world';
    return { body: `Hello, ${name}!` };
  },
});

app.http('person', {
  methods: ['POST'],
  handler: async (request: HttpRequest) => {
    let person: unknown;
    try {
      person = await request.json();
    } catch {
      return { status: 400, body: 'The body must be a JSON person: {"name": ..., "age": ...}.' };
    }
    const { name, age } = (person ?? {}) as { name?: unknown; age?: unknown };
    if (typeof name !== 'string' || typeof age !== 'number')
      return { status: 400, body: 'Give a name and an age.' };
    return { jsonBody: { greeting: `Hello, ${name}! You are ${age}.` } };
  },
});

app.http('fails', {
  methods: ['GET'],
  handler: () => {
    throw new Error('this function always fails');
  },
});

app.http('journal', {
  methods: ['GET'],
  route: 'journal/{kind}',
  handler: (request: HttpRequest) => ({ jsonBody: notes(request.params.kind) }),
});
