/**
 * Random identifiers for sessions and page views.
 *
 * @packageDocumentation
 */

/**
 * A fresh random identifier: 16 bytes from `crypto.getRandomValues`,
 * written as 22 characters of unpadded base64url (`[A-Za-z0-9_-]` only),
 * which fits the core's limit of 64 characters.
 */
export function randomId(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
