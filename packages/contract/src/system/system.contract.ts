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
      'Answers 200 when the database answers a real query and every migration is applied; 503 otherwise, so ' +
      'traffic is only routed to instances that can serve it.',
    responses: { 200: successEnvelope(ReadinessSchema), 503: ErrorEnvelopeSchema },
    metadata: routeMeta('public'),
  },
});
