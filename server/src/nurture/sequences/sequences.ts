import type { DataSource, EntityManager } from 'typeorm';
import { recordAudit } from '../../audit/record-audit';
import { isUniqueViolation } from '../../db/data-source';
import { HttpError } from '../../http/errors';
import type { PolicyActor } from '../../policies/actor';
import { forgetTriggerSnapshot } from '../enrollment/trigger-snapshot';
import { fileSequences } from './file-sequences';
import { Sequence, sequenceKeySchema, sequenceSchema } from './schema';
import { NurtureSequence } from './sequence.entity';

/**
 * Where a sequence in force comes from: the file alone (`file`), an admin row replacing the
 * file's sequence of the same key (`override`), or an admin row only (`database`).
 */
export type SequenceSource = 'file' | 'override' | 'database';

export interface SequenceInfo {
  key: string;
  source: SequenceSource;
  updatedAt: number | null;
  sequence: Sequence;
}

type Db = DataSource | EntityManager;

/** Stored rows were validated on write; parsing again fills defaults a newer schema added. */
function fromRow(row: NurtureSequence, inFile: boolean): SequenceInfo {
  const sequence = sequenceSchema.parse(row.definition);
  return { key: row.key, source: inFile ? 'override' : 'database', updatedAt: row.updatedAt, sequence: { ...sequence, enabled: row.enabled } };
}

const fromFile = (sequence: Sequence): SequenceInfo => ({ key: sequence.key, source: 'file', updatedAt: null, sequence });

/** Every sequence in force, by key: the file's, each replaced by its admin row when there is one, then the admin-only ones. */
export async function listSequences(db: Db): Promise<SequenceInfo[]> {
  const rows = await db.getRepository(NurtureSequence).find({ order: { key: 'ASC' } });
  const byKey = new Map(rows.map((r) => [r.key, r]));
  const file = fileSequences();
  const fileKeys = new Set(file.map((s) => s.key));
  const list = file.map((s) => (byKey.has(s.key) ? fromRow(byKey.get(s.key)!, true) : fromFile(s)));
  for (const row of rows) if (!fileKeys.has(row.key)) list.push(fromRow(row, false));
  return list;
}

/** The enabled sequences in force: what enrollment and the scheduler read. */
export async function enabledSequences(db: Db): Promise<Sequence[]> {
  return (await listSequences(db)).filter((i) => i.sequence.enabled).map((i) => i.sequence);
}

/** The sequence in force under `key`, or null. */
export async function findSequence(db: Db, key: string): Promise<SequenceInfo | null> {
  const row = await db.getRepository(NurtureSequence).findOneBy({ key });
  const inFile = fileSequences().find((s) => s.key === key);
  if (row) return fromRow(row, inFile !== undefined);
  return inFile ? fromFile(inFile) : null;
}

export async function getSequence(db: Db, key: string): Promise<SequenceInfo> {
  const parsedKey = sequenceKeySchema.safeParse(key);
  const info = parsedKey.success ? await findSequence(db, parsedKey.data) : null;
  if (!info) throw new HttpError(404, 'not_found', `no nurture sequence "${key}"`);
  return info;
}

/**
 * Who changes a sequence: a member (the console), the admin token (the admin API), or null for
 * the service itself (demo mode seeding its example), which no audit row names.
 */
export type SequenceChanger = PolicyActor | null;

type SequenceChange = 'create' | 'update' | 'enable' | 'disable';
const CHANGE_TEXT: Record<SequenceChange, string> = { create: '新建', update: '修改', enable: '启用', disable: '停用' };

/** The audit row of a rule change, in the transaction of the change: nurture sequences decide what customers are sent. */
async function auditChange(manager: EntityManager, by: SequenceChanger, change: SequenceChange, sequence: Sequence, at: number): Promise<void> {
  if (!by) return;
  await recordAudit(manager, {
    action: 'nurture.sequence',
    actor: by,
    leadId: null,
    leadOwnerUserId: null,
    purpose: `${CHANGE_TEXT[change]}培育序列「${sequence.name}」`,
    detail: { sequenceKey: sequence.key, change },
    at,
  });
}

/** A new sequence (validated by the caller). 409 when the key is taken, in the file or the database. */
export async function createSequence(db: DataSource, sequence: Sequence, by: SequenceChanger): Promise<SequenceInfo> {
  if (fileSequences().some((s) => s.key === sequence.key)) {
    throw new HttpError(409, 'sequence_exists', `nurture sequence "${sequence.key}" is defined in config/; PUT /api/admin/nurture/sequences/${sequence.key} overrides it`);
  }
  const now = Date.now();
  try {
    await db.transaction(async (manager) => {
      await manager.getRepository(NurtureSequence).insert({ key: sequence.key, name: sequence.name, enabled: sequence.enabled, definition: sequence as never, createdAt: now, updatedAt: now });
      await auditChange(manager, by, 'create', sequence, now);
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new HttpError(409, 'sequence_exists', `nurture sequence "${sequence.key}" already exists`);
    throw error;
  }
  // Once written: enrollment's in-memory view of what sequences listen for is read again.
  forgetTriggerSnapshot();
  return { key: sequence.key, source: 'database', updatedAt: now, sequence };
}

/** Writes the admin row for `sequence.key`: an insert the first time a file sequence is overridden, else an update. */
async function storeRow(db: EntityManager, sequence: Sequence, now: number): Promise<void> {
  const repo = db.getRepository(NurtureSequence);
  const values = { name: sequence.name, enabled: sequence.enabled, definition: sequence as never, updatedAt: now };
  const updated = await repo.update({ key: sequence.key }, values);
  if (updated.affected) return;
  try {
    await repo.insert({ key: sequence.key, ...values, createdAt: now });
  } catch (error) {
    // Two admins saved at once: the later write wins, as with an update.
    if (!isUniqueViolation(error)) throw error;
    await repo.update({ key: sequence.key }, values);
  }
}

/** Replaces the sequence under `key` (validated by the caller; its key must be `key`). 404 when there is none. */
export async function updateSequence(db: DataSource, key: string, sequence: Sequence, by: SequenceChanger): Promise<SequenceInfo> {
  return writeSequence(db, key, sequence, by, 'update');
}

async function writeSequence(db: DataSource, key: string, sequence: Sequence, by: SequenceChanger, change: SequenceChange): Promise<SequenceInfo> {
  const current = await getSequence(db, key);
  const now = Date.now();
  await db.transaction(async (manager) => {
    await storeRow(manager, sequence, now);
    await auditChange(manager, by, change, sequence, now);
  });
  forgetTriggerSnapshot();
  return { key, source: current.source === 'database' ? 'database' : 'override', updatedAt: now, sequence };
}

/** Turns a sequence on or off; a file sequence gets an admin row that keeps its definition. */
export async function setSequenceEnabled(db: DataSource, key: string, enabled: boolean, by: SequenceChanger): Promise<SequenceInfo> {
  const current = await getSequence(db, key);
  return writeSequence(db, key, { ...current.sequence, enabled }, by, enabled ? 'enable' : 'disable');
}
