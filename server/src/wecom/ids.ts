/**
 * What WeCom's ids say about who they are: an external contact's external_userid starts with
 * `wm` or `wo`, a robot's id with `wb`. A corp's member userid is chosen by the corp and could
 * start the same way, so callers that know their members (the directory, the archive's permit
 * list) ask those first.
 */
export const looksLikeExternalUserId = (id: string): boolean => /^w[mo]/.test(id);

export const isRobotId = (id: string): boolean => id.startsWith('wb');
