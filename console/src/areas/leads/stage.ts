/** The colour of a stage's tag: open stages neutral to warm, won green, lost red. */
export function stageTagType(stage: string): 'info' | 'primary' | 'warning' | 'success' | 'danger' {
  switch (stage) {
    case 'new':
      return 'info';
    case 'contacted':
      return 'primary';
    case 'qualified':
    case 'opportunity':
      return 'warning';
    case 'won':
      return 'success';
    default:
      return 'danger';
  }
}
