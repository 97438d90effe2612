/**
 * Compiling the module from a URL (slim entry), keeping the compiled
 * `WebAssembly.Module` so the compression worker can instantiate it too.
 *
 * @packageDocumentation
 */

/**
 * Fetches and compiles the module at `url` (resolved against the page's
 * base URL by `fetch`): streaming when it is served as `application/wasm`,
 * from the whole body otherwise. Throws on an HTTP error.
 */
export async function compileFromUrl(url: string | URL): Promise<WebAssembly.Module> {
  const response = await fetch(url);
  if (!response.ok) {
    throw new Error(`failed to fetch the WebAssembly module: HTTP ${response.status} for ${String(url)}`);
  }
  const type = response.headers.get('Content-Type') ?? '';
  if (typeof WebAssembly.compileStreaming === 'function' && /^application\/wasm\b/i.test(type)) {
    return WebAssembly.compileStreaming(response);
  }
  return WebAssembly.compile(await response.arrayBuffer());
}
