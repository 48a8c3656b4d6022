import Router from '@koa/router';
import { z } from 'zod';
import { createRouter } from '../../http/router';
import type { AppContext } from '../../context';
import type { MemberActor } from '../../members/member-actor';
import { idParam } from '../../http/params';
import { enrollByHand, exitByHand, handEnrollableSequences } from '../../nurture/enrollment/by-hand';
import { leadNurture } from '../../nurture/enrollment/lead-nurture';
import { presentLeadEnrollment } from '../../nurture/enrollment/presenters';
import { sequenceKeySchema } from '../../nurture/sequences/schema';
import { findSequence } from '../../nurture/sequences/sequences';
import { presentHandSequence } from '../../nurture/sequences/presenters';
import { authorizeHandSequences } from '../../policies/nurture';

const actorOf = (state: { actor: MemberActor }) => state.actor;

const enrollBody = z.strictObject({ sequenceKey: sequenceKeySchema });

/**
 * Nurture in the mini-program (issue 11): the sequences a lead may be enrolled in by hand, a
 * lead's enrollments, enrolling it and stopping one. Who may is the lead policy's answer
 * (`view` to read, `nurture` to change): a lead out of reach is 404 like everywhere under /api/mp.
 */
export function mpNurtureRoutes(app: AppContext): Router {
  const router = createRouter();

  router.get('/nurture/sequences', async (ctx) => {
    authorizeHandSequences(actorOf(ctx.state));
    ctx.body = { sequences: (await handEnrollableSequences(app.dataSource.manager)).map(presentHandSequence) };
  });

  router.get('/leads/:id/nurture', async (ctx) => {
    ctx.body = await leadNurture(app.dataSource.manager, actorOf(ctx.state), idParam.parse(ctx.params.id));
  });

  router.post('/leads/:id/nurture', async (ctx) => {
    const id = idParam.parse(ctx.params.id);
    const { sequenceKey } = enrollBody.parse(ctx.request.body ?? {});
    const { enrollment, sequence, byName } = await enrollByHand(app, actorOf(ctx.state), id, sequenceKey);
    ctx.status = 201;
    ctx.body = { enrollment: presentLeadEnrollment(enrollment, sequence, byName) };
  });

  router.post('/leads/:id/nurture/:enrollmentId/exit', async (ctx) => {
    const id = idParam.parse(ctx.params.id);
    const enrollmentId = idParam.parse(ctx.params.enrollmentId);
    const exited = await exitByHand(app, actorOf(ctx.state), id, enrollmentId);
    const sequence = (await findSequence(app.dataSource, exited.sequenceKey))?.sequence;
    ctx.body = { enrollment: presentLeadEnrollment(exited, sequence) };
  });

  return router;
}
