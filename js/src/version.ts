/** The version of this package (build.mjs checks that it matches package.json). */
export const version = '0.1.0';
