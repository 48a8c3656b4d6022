/**
 * Checks a media key before a store uses it: relative, forward slashes, no `.`/`..`/empty
 * segments, no backslashes or control characters. The archive makes its keys itself
 * (`<yyyy-mm>/<msgid>.<ext>`), but a disk store joins them onto a directory, so one that could
 * climb out of it is refused rather than trusted.
 */
export function assertSafeMediaKey(key: string): void {
  const problem = mediaKeyProblem(key);
  if (problem) throw new Error(`media key ${JSON.stringify(key)} refused: ${problem}`);
}

function mediaKeyProblem(key: string): string | null {
  if (typeof key !== 'string' || key === '') return 'empty';
  if (key.length > 255) return 'longer than 255 characters';
  if (key.startsWith('/')) return 'absolute';
  if (key.includes('\\')) return 'backslash';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(key)) return 'control character';
  if (/^[A-Za-z]:/.test(key)) return 'drive letter';
  for (const segment of key.split('/')) {
    if (segment === '' || segment === '.' || segment === '..') return `segment "${segment}"`;
  }
  return null;
}
