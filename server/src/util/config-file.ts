import fs from 'node:fs';
import path from 'node:path';

/**
 * The repository's config/ directory, from the source tree (server/src/util) or the build
 * (dist/server/src/util); XIANSUO_CONFIG_DIR points elsewhere for deployments that move it.
 * Read on every call (not cached), so every config file follows the variable the same way.
 */
export function configDir(): string {
  if (process.env.XIANSUO_CONFIG_DIR) return path.resolve(process.env.XIANSUO_CONFIG_DIR);
  const candidates = [path.resolve(__dirname, '../../../config'), path.resolve(__dirname, '../../../../config'), path.resolve(process.cwd(), 'config')];
  return candidates.find((dir) => fs.existsSync(dir)) ?? candidates[0];
}

/** Where config/<name> is read from: for error messages that must say which file is wrong. */
export const configFilePath = (name: string) => path.join(configDir(), name);

/** Parsed JSON at `file`, or null when it does not exist. A malformed file is an error naming it. */
export function readJsonFile(file: string, label = file): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${label} is not valid JSON: ${(error as Error).message}`);
  }
}

/** Parsed config/<name> (in XIANSUO_CONFIG_DIR when set), or null when the file does not exist. */
export function readConfigJson(name: string): unknown {
  return readJsonFile(configFilePath(name), `config/${name}`);
}
