import fs from 'node:fs';
import path from 'node:path';
import { ArchiveKeyRing, ArchiveKeySource } from './key-ring';
import { ArchiveKeyFileError } from './parse-private-key';

/**
 * Archive keys from a directory, one PEM per version, named `v<publickey_ver>.pem` (v3.pem). A
 * directory rather than one environment variable per version: PEM text is multi-line and awkward
 * in env files, files can be made readable by the service only (chmod 600), and adding a version
 * after a rotation is dropping in one more file. Other files (README.md, .gitignore) are ignored;
 * a `.pem` that does not follow the naming is an error, as it is almost surely a key someone meant
 * to be read.
 */

const KEY_FILE = /^v([1-9]\d{0,8})\.pem$/;

export function readArchiveKeyDir(dir: string): ArchiveKeySource[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(`archive keys: cannot read the directory ${dir} (${code ?? 'error'}); set ARCHIVE_KEYS_DIR or create it with one v<publickey_ver>.pem per key version`);
  }
  const sources: ArchiveKeySource[] = [];
  const seen = new Map<number, string>();
  for (const name of names.sort()) {
    if (!name.toLowerCase().endsWith('.pem')) continue;
    const match = KEY_FILE.exec(name);
    if (!match) throw new ArchiveKeyFileError(path.join(dir, name), 'is not named v<publickey_ver>.pem (e.g. v3.pem), so its version is unknown');
    const version = Number(match[1]);
    const other = seen.get(version);
    if (other) throw new ArchiveKeyFileError(path.join(dir, name), `has the same version as ${other}`);
    seen.set(version, name);
    const file = path.join(dir, name);
    let pem: string;
    try {
      pem = fs.readFileSync(file, 'utf8');
    } catch (error) {
      throw new ArchiveKeyFileError(file, `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    sources.push({ version, pem, source: file });
  }
  if (sources.length === 0) throw new Error(`archive keys: no v<publickey_ver>.pem file in ${dir}`);
  return sources;
}

/** Reads and checks every key of `dir`; throws naming the first broken file. */
export function loadArchiveKeyDir(dir: string): ArchiveKeyRing {
  return ArchiveKeyRing.fromPems(readArchiveKeyDir(dir));
}
