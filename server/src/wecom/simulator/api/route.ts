import type { SimulatorState } from '../state';

export interface RouteContext {
  query: Record<string, string>;
  /** Parsed JSON body of a POST ({} for GET). */
  body: Record<string, unknown>;
  state: SimulatorState;
  now: () => number;
  agentId: number;
  /** Where the simulator answers (`sim.baseUrl`): the host of what it serves besides the API, like QR images. */
  baseUrl: string;
}

export interface Route {
  method: 'GET' | 'POST';
  /** Result fields besides errcode/errmsg; throw ApiError to fail. */
  handle(ctx: RouteContext): Record<string, unknown>;
}

/** Routes keyed by path relative to /cgi-bin/. */
export type Routes = Record<string, Route>;
