export { createPoller } from './poller.js';
export type * from './types.js';
