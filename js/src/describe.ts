/**
 * How an invalid option's value is shown in its error message: short, never
 * throwing (a BigInt or a circular object cannot go through
 * `JSON.stringify`), and never the contents of an object.
 *
 * @packageDocumentation
 */

/** `null`, `an array`, `an object`, or the `typeof` of `value`. */
export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  const t = typeof value;
  return t === 'object' ? 'an object' : t;
}

/** A string quoted (cut at 80 characters), a number, boolean or BigInt as written, else its type. */
export function describe(value: unknown): string {
  if (typeof value === 'string') {
    const shown = value.length > 80 ? `${value.slice(0, 77)}...` : value;
    return JSON.stringify(shown);
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value === undefined) return 'undefined';
  return typeName(value);
}
