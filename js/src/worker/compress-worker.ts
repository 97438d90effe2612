/**
 * The compression worker's script (built by build.mjs into a string that
 * each entry point starts from a Blob URL). It gzips with the browser's own
 * `CompressionStream`: no WebAssembly, no second instance of the module, a
 * script of a few hundred bytes. It reads no page, holds no recorder and
 * sends nothing; its answers go back to the page, which alone decides what
 * leaves it. Where `CompressionStream` is missing it says `fatal`, and the
 * page compresses on its own thread with the module's `gzipBatch`.
 *
 * @packageDocumentation
 */

import type { FromWorker, ToWorker } from './protocol.js';

interface WorkerScope {
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
  postMessage(message: FromWorker, transfer?: Transferable[]): void;
  close(): void;
}

const scope = globalThis as unknown as WorkerScope & { CompressionStream?: typeof CompressionStream };

function describe(thrown: unknown): string {
  try {
    return thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : String(thrown);
  } catch {
    return 'unknown error';
  }
}

/** gzip (RFC 1952) of `raw`, by the browser. */
async function gzip(raw: Uint8Array): Promise<Uint8Array> {
  // `raw` came by structured clone: its buffer is a plain ArrayBuffer, never shared.
  const stream = new Blob([raw as BlobPart]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

// Jobs are answered in the order they were sent (the protocol's promise):
// each starts once the one before it has been answered.
let queue: Promise<void> = Promise.resolve();

scope.onmessage = (event) => {
  const message = event.data;
  if (message.type === 'init') {
    if (typeof scope.CompressionStream !== 'function') {
      scope.postMessage({ type: 'fatal', message: 'CompressionStream is not available in this browser' });
      scope.close();
      return;
    }
    scope.postMessage({ type: 'ready' });
    return;
  }
  if (message.type === 'gzip') {
    const { id, raw } = message;
    queue = queue.then(() =>
      gzip(raw).then(
        (bytes) => scope.postMessage({ type: 'done', id, bytes }, [bytes.buffer]),
        (thrown: unknown) => scope.postMessage({ type: 'failed', id, message: describe(thrown) }),
      ),
    );
  }
};
