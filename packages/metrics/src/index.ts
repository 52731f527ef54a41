export { MetricSet } from './metric-set.js';
export type { ConnectionResult, MessageStatus, MetricsSnapshot } from './metric-set.js';
export { sumOverWorkers, TEXT_CONTENT_TYPE } from './sum-over-workers.js';
export { parseListenAddress } from './metrics-address.js';
export type { ListenAddress } from './metrics-address.js';
export { startMetricsServer } from './metrics-server.js';
export type { MetricsServer } from './metrics-server.js';
