import { ApiError, Errcode } from '../errors';

/** The corp's departments (通讯录部门), as department/list returns them. */

export interface SimDepartment {
  id: number;
  name: string;
  /** The parent department; 0 for the root. */
  parentid: number;
  order: number;
}

/** The root department every corp has: id 1, named after the corp. */
export const ROOT_DEPARTMENT_ID = 1;

export class DepartmentStore {
  readonly departments = new Map<number, SimDepartment>();

  constructor(rootName = '模拟企业') {
    this.departments.set(ROOT_DEPARTMENT_ID, { id: ROOT_DEPARTMENT_ID, name: rootName, parentid: 0, order: 100_000_000 });
  }

  /** A new department under `parentid` (the root by default); ids count up from 2 unless given. */
  add(input: { id?: number; name: string; parentid?: number; order?: number }): SimDepartment {
    const parentid = input.parentid ?? ROOT_DEPARTMENT_ID;
    if (!this.departments.has(parentid)) throw new ApiError(Errcode.invalidParentDepartmentId, `invalid parentid ${parentid}`);
    const id = input.id ?? Math.max(...this.departments.keys()) + 1;
    const department = { id, name: input.name, parentid, order: input.order ?? 0 };
    this.departments.set(id, department);
    return department;
  }

  require(id: number): SimDepartment {
    const department = this.departments.get(id);
    if (!department) throw new ApiError(Errcode.invalidDepartmentId, `invalid department id ${id}`);
    return department;
  }

  /** The department and every department below it, at any depth. */
  subtree(id: number): Set<number> {
    const ids = new Set([this.require(id).id]);
    for (let grew = true; grew; ) {
      grew = false;
      for (const d of this.departments.values()) {
        if (!ids.has(d.id) && ids.has(d.parentid)) {
          ids.add(d.id);
          grew = true;
        }
      }
    }
    return ids;
  }
}
