// The notices inbox: what the library told the member, newest first.
import { useState } from 'preact/hooks';
import { api, data } from '../api/client';
import { when } from '../text';
import { Loading, Page, ProblemNote, Text, useLoad } from '../ui';

export function Notices({ memberId }: { memberId: string }) {
  const [continuation, setContinuation] = useState<string>();
  const notices = useLoad(
    async () =>
      (
        await data(
          api.GET('/members/{memberId}/notices', {
            params: { path: { memberId }, query: { limit: 20, continuation } },
          }),
        )
      ).value,
    [memberId, continuation],
  );
  return (
    <Page title="Notices">
      <ProblemNote problem={notices.problem} />
      {notices.loading && !notices.value ? <Loading what="your notices" /> : null}
      {notices.value?.items.length === 0 ? <p>No notices yet.</p> : null}
      <ul class="notices">
        {notices.value?.items.map((n) => (
          <li key={n.id}>
            <p>
              <Text>{n.text}</Text>
            </p>
            <small>{when(n.createdAt)}</small>
          </li>
        ))}
      </ul>
      {notices.value?.continuation ? (
        <button type="button" onClick={() => setContinuation(notices.value!.continuation!)}>
          Older notices
        </button>
      ) : null}
    </Page>
  );
}
