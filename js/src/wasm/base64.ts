/**
 * Decoding of the inlined module.
 *
 * @packageDocumentation
 */

/** Decodes standard base64 (as written by build.mjs) into bytes. */
export function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
