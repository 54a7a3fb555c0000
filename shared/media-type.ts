// Which request bodies are JSON, for the app's routes and the local host's own alike: the media
// types ASP.NET Core's JSON input formatter takes (so the Functions host's admin API agrees),
// `application/json`, `text/json` and `application/*+json`, whatever their parameters (`charset`).
export function isJsonMediaType(contentType: string | null | undefined): boolean {
  const essence = contentType?.split(';')[0].trim().toLowerCase() ?? '';
  return (
    essence === 'application/json' || essence === 'text/json' || /^application\/[^/\s]+\+json$/.test(essence)
  );
}

/** Why a request body of `contentType` is refused with 415, in a sentence. */
export function notJsonDetail(contentType: string | null | undefined): string {
  const given = contentType ? `not ${contentType}` : 'it came with no Content-Type';
  return `The request body must be JSON, sent with Content-Type: application/json; ${given}.`;
}
