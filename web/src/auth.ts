// Who is signed in, and the token the API gets from them. Two ways in, as the app is deployed:
// - local (the local host): a token the host signs for a member or a librarian. A host started with
//   --dev offers a sign-in page (POST /admin/dev/token); any host takes a token from `npm run token`.
// - entra (Azure): Microsoft Entra ID in the browser (MSAL, loaded only then); App Service
//   Authentication validates the token in front of the API.
// The page reads the role and member id from the token only to choose what to show: the API
// decides what each caller may do.
import { toProblem } from './api/client';

export interface Who {
  role: 'member' | 'librarian';
  /** A member's own id. */
  memberId?: string;
  /** What to call them. */
  name: string;
}

export type SignInConfig =
  | { kind: 'local' }
  | { kind: 'entra'; clientId: string; authority: string; scopes: string[]; memberIdClaim: string };

interface EntraSession {
  token(): Promise<string>;
  signOut(): Promise<void>;
}

const STORAGE_KEY = 'rentbook.session';
let local: { token: string; who: Who } | undefined;
let entra: EntraSession | undefined;
let who: Who | undefined;
const listeners = new Set<() => void>();

export function signedIn(): Who | undefined {
  return who;
}

export function onSignInChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function changed(next: Who | undefined): void {
  who = next;
  for (const l of listeners) l();
}

export async function currentToken(): Promise<string | undefined> {
  if (entra) return entra.token();
  return local?.token;
}

/** The page's settings (served beside it), then whoever was signed in before a reload. */
export async function startSignIn(): Promise<SignInConfig> {
  const res = await fetch('/config.json');
  const config = ((await res.json()) as { signIn: SignInConfig }).signIn;
  if (config.kind === 'entra') {
    const session = await startEntra(config);
    if (session) {
      entra = session.session;
      changed(session.who);
    }
    return config;
  }
  const kept = sessionStorage.getItem(STORAGE_KEY);
  if (kept) {
    try {
      local = JSON.parse(kept) as typeof local;
      changed(local!.who);
    } catch {
      sessionStorage.removeItem(STORAGE_KEY);
    }
  }
  return config;
}

/** The claims of a JWT (not checked here: the API checks it). */
function claims(token: string): Record<string, unknown> {
  const payload = token.split('.')[1] ?? '';
  const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0)))) as Record<
    string,
    unknown
  >;
}

function localWho(token: string): Who {
  const c = claims(token);
  if (c.role === 'librarian') return { role: 'librarian', name: String(c.sub ?? 'librarian') };
  if (c.role === 'member' && typeof c.memberId === 'string')
    return { role: 'member', memberId: c.memberId, name: c.memberId };
  throw new Error('not a local token');
}

/** Signs in with a local token: checks that the host accepts it, then keeps it for this tab. */
export async function signInWithToken(token: string, name?: string): Promise<void> {
  let found: Who;
  try {
    found = localWho(token.trim());
  } catch {
    throw toProblem(400, {
      title: 'Not a token',
      detail: 'That is not a token of this host. `npm run -s token -- --member ID` prints one.',
    });
  }
  const path =
    found.role === 'member' ? `/api/members/${encodeURIComponent(found.memberId!)}` : '/api/members?limit=1';
  const res = await fetch(path, { headers: { Authorization: `Bearer ${token.trim()}` } });
  if (!res.ok) throw toProblem(res.status, await res.json().catch(() => undefined));
  if (found.role === 'member') found.name = name ?? ((await res.json()) as { name: string }).name;
  local = { token: token.trim(), who: found };
  sessionStorage.setItem(STORAGE_KEY, JSON.stringify(local));
  changed(found);
}

/** A token from a --dev host's sign-in route, for a member or a librarian. */
export async function devToken(body: { member: string } | { librarian: string }): Promise<string> {
  const res = await fetch('/admin/dev/token', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const answer = (await res.json().catch(() => undefined)) as { token?: string } | undefined;
  if (res.ok && answer?.token) return answer.token;
  if (res.status === 404)
    throw toProblem(404, {
      title: 'No sign-in page here',
      detail:
        'This host offers the sign-in page only when it runs with --dev (npm start). ' +
        'Paste a token from `npm run -s token` instead.',
    });
  throw toProblem(res.status, answer);
}

export async function signOut(): Promise<void> {
  if (entra) return entra.signOut();
  local = undefined;
  sessionStorage.removeItem(STORAGE_KEY);
  changed(undefined);
}

/** Sends the browser to Microsoft Entra ID's sign-in page; it comes back to this page signed in. */
export async function signInWithEntra(config: Extract<SignInConfig, { kind: 'entra' }>): Promise<void> {
  const app = await entraApp(config);
  await app.loginRedirect({ scopes: config.scopes });
}

async function entraApp(config: Extract<SignInConfig, { kind: 'entra' }>) {
  // Loaded only in Azure: the local page never downloads it.
  const { PublicClientApplication } = await import('@azure/msal-browser');
  const app = new PublicClientApplication({
    auth: { clientId: config.clientId, authority: config.authority, redirectUri: `${location.origin}/` },
    cache: { cacheLocation: 'sessionStorage' },
  });
  await app.initialize();
  return app;
}

async function startEntra(
  config: Extract<SignInConfig, { kind: 'entra' }>,
): Promise<{ session: EntraSession; who: Who } | undefined> {
  const app = await entraApp(config);
  const redirected = await app.handleRedirectPromise();
  const account = redirected?.account ?? app.getAllAccounts()[0];
  if (!account) return undefined;
  const token = async () => (await app.acquireTokenSilent({ scopes: config.scopes, account })).accessToken;
  const c = claims(await token());
  const roles = Array.isArray(c.roles) ? c.roles : [];
  const memberId = c[config.memberIdClaim];
  const name = account.name ?? account.username;
  const found: Who | undefined = roles.includes('librarian')
    ? { role: 'librarian', name }
    : roles.includes('member') && typeof memberId === 'string'
      ? { role: 'member', memberId, name }
      : undefined;
  if (!found) return undefined;
  return { session: { token, signOut: () => app.logoutRedirect({ account }) }, who: found };
}
