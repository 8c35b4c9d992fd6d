export {
  type CollectMetricsOptions,
  collectMetrics,
  type MetricsSource,
  type PaymentsMetrics,
} from './collect-metrics.js';
