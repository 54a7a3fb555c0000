// Signing in. Locally: a --dev host lists the members and a librarian to sign in as (it signs the
// token); any host takes a token from `npm run -s token`. In Azure: Microsoft Entra ID.
import { useState } from 'preact/hooks';
import { api, data } from '../api/client';
import { devToken, signInWithEntra, signInWithToken, type SignInConfig } from '../auth';
import { go } from '../router';
import { Page, ProblemNote, Text, useAction, useLoad } from '../ui';

export function SignIn({ config }: { config: SignInConfig }) {
  if (config.kind === 'entra') return <EntraSignIn config={config} />;
  return <LocalSignIn />;
}

function EntraSignIn({ config }: { config: Extract<SignInConfig, { kind: 'entra' }> }) {
  const action = useAction();
  return (
    <Page title="Sign in">
      <p>Sign in with your library account (Microsoft Entra ID).</p>
      <button type="button" disabled={action.busy} onClick={() => action.run(() => signInWithEntra(config))}>
        Sign in
      </button>
      <ProblemNote problem={action.problem} />
    </Page>
  );
}

interface Choice {
  members: { id: string; name: string }[];
}

function LocalSignIn() {
  const [q, setQ] = useState('');
  const [search, setSearch] = useState('');
  const [token, setToken] = useState('');
  const action = useAction();
  // The list comes from the API itself, read with a librarian's token from the dev host.
  const choice = useLoad<Choice>(async () => {
    const librarian = await devToken({ librarian: 'librarian' });
    const page = await data(
      api.GET('/members', {
        params: { query: { q: search || undefined, limit: 20 } },
        headers: { Authorization: `Bearer ${librarian}` },
      }),
    );
    return { members: page.value.items };
  }, [search]);

  const signInAs = (body: { member: string } | { librarian: string }, name?: string) =>
    action.run(async () => {
      await signInWithToken(await devToken(body), name);
      go('member' in body ? 'me' : 'library');
    });

  return (
    <Page title="Sign in">
      <p>This is a development host: choose who to be.</p>
      <ProblemNote problem={choice.problem} />
      {choice.value ? (
        <>
          <div class="panel">
            <h2>A librarian</h2>
            <button type="button" disabled={action.busy} onClick={() => signInAs({ librarian: 'librarian' })}>
              Sign in as the librarian
            </button>
          </div>
          <div class="panel">
            <h2>A member</h2>
            <form
              role="search"
              onSubmit={(e) => {
                e.preventDefault();
                setSearch(q);
              }}
            >
              <label for="member-q">Name</label>
              <input id="member-q" type="search" value={q} onInput={(e) => setQ(e.currentTarget.value)} />
              <button type="submit">Find</button>
            </form>
            {choice.value.members.length === 0 ? (
              <p>No member yet: `npm run seed` adds some, or a librarian adds them.</p>
            ) : null}
            <ul class="choices">
              {choice.value.members.map((m) => (
                <li key={m.id}>
                  <button
                    type="button"
                    disabled={action.busy}
                    onClick={() => signInAs({ member: m.id }, m.name)}
                  >
                    Sign in as <Text>{m.name}</Text>
                  </button>
                </li>
              ))}
            </ul>
          </div>
        </>
      ) : null}
      <form
        class="panel"
        onSubmit={(e) => {
          e.preventDefault();
          void action.run(async () => {
            await signInWithToken(token);
            go('');
          });
        }}
      >
        <h2>With a token</h2>
        <label for="token">
          A token from <code>npm run -s token -- --member ID</code> or <code>--librarian</code>
        </label>
        <input
          id="token"
          autoComplete="off"
          value={token}
          onInput={(e) => setToken(e.currentTarget.value)}
          required
        />
        <button type="submit" disabled={action.busy}>
          Sign in with this token
        </button>
      </form>
      <ProblemNote problem={action.problem} />
    </Page>
  );
}
