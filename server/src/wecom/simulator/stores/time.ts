/** WeCom timestamps (createtime, join_time, send_time…) are in seconds. */
export const seconds = (ms: number) => Math.floor(ms / 1000);
