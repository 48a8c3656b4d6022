import fs from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';

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

/** A failed parse as one line, "path: message; …": a config error must name the field to fix. */
export const describeIssues = (error: z.ZodError) => error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');

/**
 * config/<name> laid over `builtIn`: each key the file gives replaces the built-in one, and a
 * missing file means the built-in defaults. A bad file stops with its name and the field.
 */
export function readConfigOver<T extends z.ZodObject>(name: string, schema: T, builtIn: z.output<T>): z.output<T> {
  const raw = readConfigJson(name);
  if (raw === null) return builtIn;
  const parsed = schema.partial().safeParse(raw);
  if (!parsed.success) throw new Error(`config/${name}: ${describeIssues(parsed.error)}`);
  return { ...builtIn, ...(parsed.data as Partial<z.output<T>>) };
}
