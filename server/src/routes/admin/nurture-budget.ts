import Router from '@koa/router';
import { createRouter } from '../../http/router';
import type { AppContext } from '../../context';
import { budgetSettingsSchema, loadBudgetSettings, saveBudgetSettings } from '../../nurture/budget/budget-settings';
import { budgetListQuery, listBudgets } from '../../nurture/budget/view';
import { ADMIN_ACTOR } from '../../policies/actor';

/**
 * /api/admin/nurture/budget: per customer, what was used of the corp's mass-message budget this
 * period and this month and what remains; and the budget's rules (corp rule, our caps, quiet hours).
 * The admin sees every customer; a change of the rules is audited (actor `admin`).
 */
export function nurtureBudgetAdminRoutes(app: AppContext): Router {
  const router = createRouter();
  const now = () => (app.clock ?? Date.now)();
  router.get('/nurture/budget', async (ctx) => {
    const query = budgetListQuery.parse(ctx.query);
    const settings = await loadBudgetSettings(app.dataSource.manager);
    ctx.body = await listBudgets(app.dataSource.manager, settings, query, now());
  });
  router.get('/nurture/budget/settings', async (ctx) => {
    ctx.body = await loadBudgetSettings(app.dataSource.manager);
  });
  router.put('/nurture/budget/settings', async (ctx) => {
    const patch = budgetSettingsSchema.partial().strict().parse(ctx.request.body);
    ctx.body = await saveBudgetSettings(app.dataSource.manager, patch, ADMIN_ACTOR);
  });
  return router;
}
