/**
 * Xiansuo (线索) in WeCom: reps work their leads, store staff enter walk-in members, managers
 * watch the funnel. Pages are built with the Component constructor so that page tests can render
 * them with miniprogram-simulate; each page reads the signed-in member from utils/session.
 */
App({});
