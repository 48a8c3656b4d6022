import { DataSource } from 'typeorm';
import { openDatabase } from '../src/db/data-source';
import { TimelineEntry } from '../src/leads/timeline-entry.entity';
import { createTestDatabase, TestDatabase } from './support/database';

/**
 * Transactions must be isolated from each other on both databases. On SQLite, TypeORM shares one
 * connection per process; db/sqlite-serial.ts is what keeps overlapping transactions apart.
 */
describe('database transactions under concurrency', () => {
  let db: TestDatabase;
  let ds: DataSource;
  beforeAll(async () => {
    db = await createTestDatabase();
    ds = await openDatabase(db.url);
  });
  afterAll(async () => {
    await ds.destroy();
    await db.drop();
  });

  const entry = (summary: string) => ({ leadId: 1, kind: 'test', summary, data: null, dedupKey: null, occurredAt: Date.now() });
  const count = (summary: string) => ds.getRepository(TimelineEntry).countBy({ summary });
  const tick = () => new Promise((r) => setTimeout(r, 5));

  it("one transaction's rollback never undoes another's committed work", async () => {
    const failing = ds.transaction(async (m) => {
      await m.insert(TimelineEntry, entry('rolled-back'));
      await tick();
      await tick();
      throw new Error('boom');
    });
    const succeeding = ds.transaction(async (m) => {
      await tick();
      await m.insert(TimelineEntry, entry('committed'));
    });
    await expect(failing).rejects.toThrow('boom');
    await succeeding;
    expect(await count('rolled-back')).toBe(0);
    expect(await count('committed')).toBe(1);
  });

  it('a plain statement issued while another transaction is open is not swallowed by its rollback', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const failing = ds.transaction(async (m) => {
      await m.insert(TimelineEntry, entry('in-tx'));
      await gate;
      throw new Error('abort');
    });
    await tick();
    const plain = ds.getRepository(TimelineEntry).insert(entry('outside'));
    release();
    await expect(failing).rejects.toThrow('abort');
    await plain;
    expect(await count('in-tx')).toBe(0);
    expect(await count('outside')).toBe(1);
  });

  it('many concurrent transactions all commit exactly their own rows', async () => {
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        ds.transaction(async (m) => {
          await m.insert(TimelineEntry, entry(`many-${i}`));
          await tick();
          await m.insert(TimelineEntry, entry(`many-${i}`));
        }),
      ),
    );
    for (let i = 0; i < 40; i++) expect(await count(`many-${i}`)).toBe(2);
  });
});
