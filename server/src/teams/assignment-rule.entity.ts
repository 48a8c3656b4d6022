import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import { epochMs, jsonText } from '../db/columns';

export interface RuleCondition {
  /** region, industry, productLine, channelId, tag, source, or any attribute key. */
  field: string;
  op: 'eq' | 'in' | 'contains';
  value: string | number | Array<string | number>;
}

/** Ordered routing rule: the first enabled rule whose conditions all match sends the lead to its team. */
@Entity('assignment_rule')
@Index('idx_assignment_rule_position', ['position'])
export class AssignmentRule {
  @PrimaryGeneratedColumn()
  id: number;

  @Column({ type: 'int' })
  position: number;

  @Column({ type: 'varchar', length: 100 })
  name: string;

  @Column({ type: 'text', transformer: jsonText })
  conditions: RuleCondition[];

  @Column({ name: 'team_id', type: 'int' })
  teamId: number;

  @Column({ type: 'boolean', default: true })
  enabled: boolean;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMs })
  createdAt: number;
}
