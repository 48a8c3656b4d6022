import Router from '@koa/router';
import { z } from 'zod';
import { createRouter } from '../../http/router';
import type { AppContext } from '../../context';
import { HttpError } from '../../http/errors';
import { idParam } from '../../http/params';
import { enrollLead, NOT_ENROLLED_TEXT } from '../../nurture/enrollment/enroll-lead';
import { NurtureEnrollment } from '../../nurture/enrollment/enrollment.entity';
import { exitEnrollments } from '../../nurture/enrollment/exit-enrollments';
import { presentEnrollment } from '../../nurture/enrollment/presenters';
import { enrollmentListQuery, listEnrollments } from '../../nurture/enrollment/queries';
import { sequenceKeySchema } from '../../nurture/sequences/schema';

const enrollBody = z.object({ leadId: idParam, sequenceKey: sequenceKeySchema }).strict();

/**
 * /api/admin/nurture/enrollments: leads in sequences, listed (newest first, cursor), enrolled by
 * hand and taken out by hand. The admin token is checked for all of /api/admin (routes/admin.ts).
 */
export function nurtureEnrollmentAdminRoutes(app: AppContext): Router {
  const router = createRouter();
  const now = () => (app.clock ?? Date.now)();
  router.get('/nurture/enrollments', async (ctx) => {
    ctx.body = await listEnrollments(app.dataSource.manager, enrollmentListQuery.parse(ctx.query));
  });
  router.post('/nurture/enrollments', async (ctx) => {
    const { leadId, sequenceKey } = enrollBody.parse(ctx.request.body ?? {});
    const result = await enrollLead(app.dataSource.manager, { leadId, sequenceKey, reason: { type: 'manual', by: 'admin' }, at: now() });
    if (!result.enrolled) {
      if (result.reason === 'already_active') throw new HttpError(409, 'already_enrolled', `lead ${leadId} is in nurture sequence "${sequenceKey}" already`);
      throw new HttpError(409, result.reason, NOT_ENROLLED_TEXT[result.reason]);
    }
    ctx.status = 201;
    ctx.body = { enrollment: presentEnrollment(result.enrollment) };
  });
  router.delete('/nurture/enrollments/:id', async (ctx) => {
    const enrollment = await app.dataSource.getRepository(NurtureEnrollment).findOneBy({ id: idParam.parse(ctx.params.id) });
    if (!enrollment) throw new HttpError(404, 'not_found', `no nurture enrollment ${ctx.params.id}`);
    const ended = enrollment.status === 'active'
      ? await exitEnrollments(app.dataSource.manager, { leadId: enrollment.leadId, sequenceKey: enrollment.sequenceKey, reason: 'manual', at: now() })
      : [];
    const exited = ended.find((e) => e.id === enrollment.id);
    if (!exited) throw new HttpError(409, 'not_active', `nurture enrollment ${enrollment.id} is ${enrollment.status === 'active' ? 'ended already' : enrollment.status}`);
    ctx.body = { enrollment: presentEnrollment(exited) };
  });
  return router;
}
