// The web app: one page, its screens in the URL's fragment. Members browse, rent and keep track of
// their loans; librarians run the library. Everything goes through the API the page is served with.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { onSignInChange, signedIn, signOut, startSignIn, type SignInConfig } from './auth';
import { BookPage } from './pages/book';
import { Catalog } from './pages/catalog';
import {
  Board,
  DeadLetters,
  HoldQueue,
  LibraryBooks,
  LibraryHome,
  LibraryMembers,
  Views,
} from './pages/library';
import { MyPage } from './pages/mypage';
import { Notices } from './pages/notices';
import { SignIn } from './pages/sign-in';
import { href, useRoute, type Route } from './router';
import { Page, Text } from './ui';
import './styles.css';

function App({ config }: { config: SignInConfig }) {
  const route = useRoute();
  const [who, setWho] = useState(signedIn);
  useEffect(() => onSignInChange(() => setWho(signedIn())), []);
  // A new screen: move the keyboard and screen reader to its heading.
  useEffect(() => {
    document.getElementById('page-title')?.focus();
  }, [route.parts.join('/')]);

  return (
    <>
      <a
        class="skip"
        href="#main"
        onClick={(e) => (e.preventDefault(), document.getElementById('page-title')?.focus())}
      >
        Skip to content
      </a>
      <header>
        <a class="brand" href={href('')}>
          rentbook
        </a>
        <nav aria-label="Main">
          <ul>
            <li>
              <a href={href('')}>Catalog</a>
            </li>
            {who?.role === 'member' ? (
              <>
                <li>
                  <a href={href('me')}>My page</a>
                </li>
                <li>
                  <a href={href('notices')}>Notices</a>
                </li>
              </>
            ) : null}
            {who?.role === 'librarian' ? (
              <>
                <li>
                  <a href={href('library', 'board')}>Board</a>
                </li>
                <li>
                  <a href={href('library', 'books')}>Books</a>
                </li>
                <li>
                  <a href={href('library', 'members')}>Members</a>
                </li>
                <li>
                  <a href={href('library')}>More</a>
                </li>
              </>
            ) : null}
          </ul>
        </nav>
        <div class="who">
          {who ? (
            <>
              <span>
                {who.role === 'librarian' ? 'Librarian' : 'Member'}: <Text>{who.name}</Text>
              </span>{' '}
              <button
                type="button"
                class="quiet"
                onClick={() => void signOut().then(() => (location.hash = '#/'))}
              >
                Sign out
              </button>
            </>
          ) : (
            <a href={href('sign-in')}>Sign in</a>
          )}
        </div>
      </header>
      <main id="main">
        <Screen route={route} config={config} />
      </main>
    </>
  );
}

function Screen({ route, config }: { route: Route; config: SignInConfig }) {
  const who = signedIn();
  const [first, second, third, fourth] = route.parts;
  if (first === undefined) return <Catalog q={route.query.get('q') ?? ''} />;
  if (first === 'sign-in') return <SignIn config={config} />;
  if (first === 'books' && second) return <BookPage bookId={second} />;
  if (!who) return <SignIn config={config} />;
  if (first === 'me' && who.memberId) return <MyPage memberId={who.memberId} own />;
  if (first === 'notices' && who.memberId) return <Notices memberId={who.memberId} />;
  if (who.role === 'librarian') {
    if (first === 'members' && second) return <MyPage memberId={second} own={false} />;
    if (first === 'library') {
      if (second === undefined) return <LibraryHome />;
      if (second === 'books' && third && fourth === 'holds') return <HoldQueue bookId={third} />;
      if (second === 'books') return <LibraryBooks />;
      if (second === 'members') return <LibraryMembers />;
      if (second === 'board') return <Board />;
      if (second === 'dead-letters') return <DeadLetters />;
      if (second === 'views') return <Views />;
    }
  }
  return (
    <Page title="Not here">
      <p>
        There is no such page for you. <a href={href('')}>Back to the catalog</a>.
      </p>
    </Page>
  );
}

void startSignIn().then(
  (config) => render(<App config={config} />, document.getElementById('app')!),
  () =>
    render(
      <main>
        <h1>rentbook</h1>
        <p role="alert">The page could not start: the library is not answering. Reload to try again.</p>
      </main>,
      document.getElementById('app')!,
    ),
);
