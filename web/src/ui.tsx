// Small pieces every screen uses: loading data, running an action, showing a problem or a result.
import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { Problem } from './api/client';
import { langOf } from './text';

function asProblem(err: unknown): Problem {
  return err instanceof Problem
    ? err
    : new Problem(0, 'Something went wrong', String((err as Error)?.message ?? err));
}

/** Data loaded for a screen; loads again when `deps` change or on `reload()`. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]) {
  const [state, setState] = useState<{ value?: T; problem?: Problem; loading: boolean }>({ loading: true });
  const [round, setRound] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (value) => live && setState({ value, loading: false }),
      (err: unknown) => live && setState({ problem: asProblem(err), loading: false }),
    );
    return () => {
      live = false;
    };
  }, [...deps, round]);
  const reload = useCallback(() => setRound((r) => r + 1), []);
  return { ...state, reload };
}

/** An action a person starts (a button, a form): busy while it runs, then its result or problem. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<Problem>();
  const [message, setMessage] = useState<string>();
  const run = useCallback(async (act: () => Promise<string | void>) => {
    setBusy(true);
    setProblem(undefined);
    setMessage(undefined);
    try {
      const said = await act();
      if (said) setMessage(said);
    } catch (err) {
      setProblem(asProblem(err));
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, problem, message, run, clear: () => (setProblem(undefined), setMessage(undefined)) };
}

/** A problem as a person wants it: what happened (the title) and what to do (the detail). */
export function ProblemNote({ problem }: { problem?: Problem }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (problem) ref.current?.focus();
  }, [problem]);
  if (!problem) return null;
  return (
    <div class="note problem" role="alert" tabIndex={-1} ref={ref}>
      <strong>{problem.title}</strong>
      <p>{problem.detail}</p>
    </div>
  );
}

export function Done({ message }: { message?: string }) {
  return message ? (
    <p class="note done" role="status">
      {message}
    </p>
  ) : null;
}

export function Loading({ what }: { what: string }) {
  return (
    <p class="loading" role="status">
      Loading {what}…
    </p>
  );
}

/** A title, author or name, marked Korean where it is. */
export function Text({ children }: { children: string | null | undefined }) {
  return <span lang={langOf(children)}>{children ?? '—'}</span>;
}

export function Page({ title, children }: { title: string; children: ComponentChildren }) {
  useEffect(() => {
    document.title = `${title} · rentbook`;
  }, [title]);
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title" tabIndex={-1}>
        {title}
      </h1>
      {children}
    </section>
  );
}
