/** What the mini-program runtime provides before any page code runs. */
const app = { globalData: {} };
Object.assign(globalThis, {
  getApp: () => app,
  getCurrentPages: () => [],
  App: () => undefined,
});
