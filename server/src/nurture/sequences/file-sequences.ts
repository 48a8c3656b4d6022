import { configFilePath, describeIssues, readConfigJson } from '../../util/config-file';
import { Sequence, sequenceFileSchema } from './schema';

export const SEQUENCES_FILE = 'nurture-sequences.json';

/** Keyed by the file's path, so a changed XIANSUO_CONFIG_DIR is read afresh rather than served stale. */
let cached: { file: string; sequences: Sequence[] } | null = null;

/**
 * The sequences of config/nurture-sequences.json (in XIANSUO_CONFIG_DIR when set), read and
 * validated once per process. No file means no default sequences; a broken file stops with its
 * path and the fields to fix, since silently dropping a marketer's sequence is worse.
 */
export function fileSequences(): Sequence[] {
  const file = configFilePath(SEQUENCES_FILE);
  if (cached?.file === file) return cached.sequences;
  const raw = readConfigJson(SEQUENCES_FILE);
  let sequences: Sequence[] = [];
  if (raw !== null) {
    const parsed = sequenceFileSchema.safeParse(raw);
    if (!parsed.success) throw new Error(`nurture sequences in ${file} are invalid: ${describeIssues(parsed.error)}`);
    sequences = parsed.data.sequences;
  }
  cached = { file, sequences };
  return sequences;
}
