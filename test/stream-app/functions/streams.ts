// A large upload and a large download, each streamed: the upload is read chunk by chunk as it
// arrives, the download is made as it is sent. Progress is kept per transfer id so a client can see
// that the handler reads before the upload has ended, and that the download reaches it before the
// handler has made it all (the handler waits for the client's word after the first chunk).
import { app, HttpResponse, type HttpRequest } from '@azure/functions';
import { createHash } from 'node:crypto';
import { chunkOf, CHUNK_BYTES } from '../pattern';

/** What `GET /api/stream/progress/{id}` answers. */
export interface TransferProgress {
  uploadChunks: number;
  uploadBytes: number;
  written: number;
  done: boolean;
  sha256?: string;
}

interface Progress extends TransferProgress {
  ack?: () => void;
  acked: Promise<void>;
}

const transfers = new Map<string, Progress>();
// The download's writer gives up waiting for the client's word after this long, so nothing hangs.
const ACK_DEADLINE_MS = 30_000;

function progress(id: string): Progress {
  let p = transfers.get(id);
  if (!p) {
    let ack!: () => void;
    const acked = new Promise<void>((resolve) => (ack = resolve));
    p = { uploadChunks: 0, uploadBytes: 0, written: 0, done: false, ack, acked };
    transfers.set(id, p);
  }
  return p;
}

app.http('upload', {
  methods: ['POST'],
  route: 'stream/upload/{id}',
  handler: async (request: HttpRequest) => {
    const p = progress(request.params.id);
    const hash = createHash('sha256');
    if (!request.body) return { status: 400, body: 'no body' };
    for await (const chunk of request.body) {
      hash.update(chunk);
      p.uploadChunks++;
      p.uploadBytes += chunk.length;
    }
    p.sha256 = hash.digest('hex');
    return { jsonBody: { bytes: p.uploadBytes, sha256: p.sha256 } };
  },
});

app.http('download', {
  methods: ['GET'],
  route: 'stream/download/{id}',
  handler: (request: HttpRequest) => {
    const p = progress(request.params.id);
    const total = Number(request.query.get('bytes') ?? 0);
    const hash = createHash('sha256');
    let index = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (p.written >= total) {
          p.sha256 = hash.digest('hex');
          p.done = true;
          return controller.close();
        }
        if (index === 1) {
          let timer: NodeJS.Timeout | undefined;
          const gaveUp = new Promise<'late'>(
            (resolve) => (timer = setTimeout(() => resolve('late'), ACK_DEADLINE_MS)),
          );
          const outcome = await Promise.race([p.acked, gaveUp]);
          clearTimeout(timer);
          if (outcome === 'late') return controller.error(new Error('the client never saw the first chunk'));
        }
        const chunk = chunkOf(index++, Math.min(CHUNK_BYTES, total - p.written));
        hash.update(chunk);
        p.written += chunk.length;
        controller.enqueue(chunk);
      },
    });
    return new HttpResponse({ body, headers: { 'content-type': 'application/octet-stream' } });
  },
});

app.http('downloadAck', {
  methods: ['POST'],
  route: 'stream/ack/{id}',
  handler: (request: HttpRequest) => {
    progress(request.params.id).ack?.();
    return { status: 204 };
  },
});

app.http('transferProgress', {
  methods: ['GET'],
  route: 'stream/progress/{id}',
  handler: (request: HttpRequest) => {
    const { uploadChunks, uploadBytes, written, done, sha256 } = progress(request.params.id);
    return { jsonBody: { uploadChunks, uploadBytes, written, done, sha256 } };
  },
});
