import { initContract } from '@ts-rest/core';
import { ErrorEnvelopeSchema, successEnvelope } from '../common/envelope.ts';
import { routeMeta } from '../common/route-meta.ts';
import { HealthSchema, ReadinessSchema } from './system.schemas.ts';

const c = initContract();

export const systemContract = c.router({
  health: {
    method: 'GET',
    path: '/health',
    summary: 'Liveness',
    description:
      'Answers 200 while the process is up and serving requests. It checks nothing else, so a load balancer ' +
      'restarts an instance only when the process itself is stuck.',
    responses: { 200: successEnvelope(HealthSchema) },
    metadata: routeMeta('public'),
  },
  ready: {
    method: 'GET',
    path: '/health/ready',
    summary: 'Readiness',
    description:
      'Answers 200 when every configured dependency answers within the readiness timeout: the database (a real ' +
      'query, and every migration applied), Redis (when configured) and the file storage (its folder or ' +
      'bucket). Otherwise 503 `SERVICE_UNAVAILABLE` with `Retry-After`, naming each failed dependency in ' +
      '`errors` (e.g. `{"redis": ["did not answer within 1000 ms"]}`), so traffic is only routed to instances ' +
      'that can serve it. An SMTP outage does not make an instance unready: emails wait in the outbox.',
    responses: { 200: successEnvelope(ReadinessSchema), 503: ErrorEnvelopeSchema },
    metadata: routeMeta('public'),
  },
});
