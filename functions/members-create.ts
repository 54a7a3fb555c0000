// POST /api/members {name, phone?}: a librarian registers a member (no points, no fees).
import { app, type HttpRequest, type HttpResponseInit, type InvocationContext } from '@azure/functions';
import { registerMember } from '../shared/app/members';
import { appDeps } from './lib/composition';
import { handled, identify, json, readBody, respond } from './lib/http';
import { newMemberBody } from './lib/schemas';

async function membersCreate(request: HttpRequest, _context: InvocationContext): Promise<HttpResponseInit> {
  const caller = await identify(request, 'members.register');
  const body = await readBody(request, newMemberBody);
  return respond(await registerMember(appDeps(), caller, body), (member) =>
    json(201, member, { Location: `/api/members/${member.id}` }),
  );
}

app.http('members-create', {
  methods: ['POST'],
  route: 'api/members',
  authLevel: 'anonymous',
  handler: handled(membersCreate),
});
