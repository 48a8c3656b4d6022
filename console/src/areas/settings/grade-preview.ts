import { reactive } from 'vue';
import { api } from '../../api';
import type { Grade, GradeChangePage, ScoringRules } from './types';

/**
 * The grade-change preview of a proposed rule set: the server looks at the leads a page at a
 * time (POST /settings/scoring/preview), this adds the pages up and shows how far it got, so a
 * big table is many short requests with a progress bar rather than one that times out. A new
 * run, or `clear()`, abandons the one in flight.
 */
export function useGradePreview() {
  const state = reactive({
    running: false,
    done: false,
    error: '',
    scanned: 0,
    total: 0,
    changed: 0,
    changes: [] as Array<{ from: Grade; to: Grade; count: number }>,
  });
  let run = 0;

  function clear() {
    run++;
    Object.assign(state, { running: false, done: false, error: '', scanned: 0, total: 0, changed: 0, changes: [] });
  }

  async function start(rules: ScoringRules) {
    clear();
    const mine = run;
    state.running = true;
    const counts = new Map<string, number>();
    let cursor: string | null = null;
    try {
      do {
        const page: GradeChangePage = await api('POST', '/settings/scoring/preview', { rules, ...(cursor ? { cursor } : {}), limit: 1000 });
        if (mine !== run) return;
        if (page.total !== null) state.total = page.total;
        state.scanned += page.scanned;
        state.changed += page.changed;
        for (const c of page.changes) counts.set(`${c.from}${c.to}`, (counts.get(`${c.from}${c.to}`) ?? 0) + c.count);
        state.changes = [...counts.entries()].map(([k, count]) => ({ from: k[0] as Grade, to: k[1] as Grade, count })).sort((a, b) => b.count - a.count);
        cursor = page.nextCursor;
      } while (cursor);
      state.done = true;
    } catch (e) {
      if (mine === run) state.error = (e as Error).message;
    } finally {
      if (mine === run) state.running = false;
    }
  }

  return { preview: state, startPreview: start, clearPreview: clear };
}
