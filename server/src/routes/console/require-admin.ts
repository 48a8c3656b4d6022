import type { Context, Next } from 'koa';
import type { MemberActor } from '../../members/member-actor';
import { forbidden } from '../../policies/actor';

/**
 * For console routes only an admin may use (settings, rules, operations, the setup check): a
 * manager gets 403 with the reason. Lead, stats and audit routes do not use it: their policies
 * scope what a manager sees instead.
 */
export async function requireConsoleAdmin(ctx: Context, next: Next): Promise<void> {
  const actor = ctx.state.actor as MemberActor | undefined;
  if (!actor?.roles.includes('admin')) throw forbidden('只有管理员可以进行此操作');
  await next();
}
