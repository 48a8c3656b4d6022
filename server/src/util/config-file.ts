import fs from 'node:fs';
import path from 'node:path';

/**
 * The repository's config/ directory, from the source tree (server/src/util) or the build
 * (dist/server/src/util); XIANSUO_CONFIG_DIR points elsewhere for deployments that move it.
 */
function configDir(): string {
  if (process.env.XIANSUO_CONFIG_DIR) return process.env.XIANSUO_CONFIG_DIR;
  const candidates = [path.resolve(__dirname, '../../../config'), path.resolve(__dirname, '../../../../config'), path.resolve(process.cwd(), 'config')];
  return candidates.find((dir) => fs.existsSync(dir)) ?? candidates[0];
}

/** Parsed config/<name>, or null when the file does not exist. A malformed file is an error naming it. */
export function readConfigJson(name: string): unknown {
  const file = path.join(configDir(), name);
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
    throw new Error(`config/${name} is not valid JSON: ${(error as Error).message}`);
  }
}
