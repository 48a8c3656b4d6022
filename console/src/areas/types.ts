import type { RouteRecordRaw } from 'vue-router';

/**
 * One area of the console (dashboard, channels, leads, rules, operations, setup check, nurture):
 * its pages and its place in the menu. Each area is a folder under src/areas/ with an index.ts
 * exporting one of these as default; the router and the menu find them by themselves.
 */
export interface ConsoleArea {
  key: string;
  /** The menu entry, in Chinese. */
  title: string;
  /** An icon name of @element-plus/icons-vue. */
  icon: string;
  /** Position in the menu: lower first. */
  order: number;
  /** Only members with the admin role see it (settings, operations); managers do not. */
  adminOnly?: boolean;
  /** Paths are absolute (e.g. /channels); the first is the menu's target. */
  routes: RouteRecordRaw[];
}
