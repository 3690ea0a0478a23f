// Floor: the logger and metrics every function of the app has, and nothing else.
import { logger, metrics } from '../../../layers/observability/powertools';

export const handler = async () => {
  logger.info('floor');
  metrics.publishStoredMetrics();
};
