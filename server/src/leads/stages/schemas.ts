import { z } from 'zod';
import { LEAD_STAGES } from '../lead.entity';

export const changeStageSchema = z.object({ stage: z.enum(LEAD_STAGES), reason: z.string().trim().max(200).optional() });
