// `POST /admin/dev/token` (dev hosts only): the local stand-in for the platform's sign-in, which the
// web app's sign-in page calls. It signs a local bearer token, as `npm run token` does, for a member
// (`{"member": "<id>"}`) or a librarian (`{"librarian": "<name>"}`). Registered only with --dev; the
// request guard lets it through without a key only from this machine and the host's own origin.
import { z } from 'zod';
import { signLocalToken } from '../../shared/local-token';
import { hostProblem, notJsonBody } from './problem';
import type { InternalRequest, InternalRoutes } from './types';

const name = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[^\p{Cc}]+$/u, 'must hold no control characters');
const who = z.union([z.object({ member: name }).strict(), z.object({ librarian: name }).strict()]);

export function addDevSignInRoute(routes: InternalRoutes, secret: string | undefined): void {
  routes.add('POST', 'admin/dev/token', async (req: InternalRequest) => {
    if (!secret) return hostProblem(409, 'This host has no LOCAL_AUTH_SECRET to sign tokens with.');
    const notJson = notJsonBody(req);
    if (notJson) return notJson;
    let body: unknown;
    try {
      body = JSON.parse(req.body.toString('utf8'));
    } catch {
      return hostProblem(400, 'The body must be JSON: {"member": "<id>"} or {"librarian": "<name>"}.');
    }
    const parsed = who.safeParse(body);
    if (!parsed.success)
      return hostProblem(400, 'Give {"member": "<id>"} or {"librarian": "<name>"}, nothing else.');
    return { status: 200, body: { token: await signLocalToken(secret, parsed.data) } };
  });
}
