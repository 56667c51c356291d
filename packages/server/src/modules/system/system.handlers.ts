import type { Contract } from '@taskvault/contract';
import { ok, type RouterHandlers } from '../route-handler.ts';
import type { SystemService } from './system.service.ts';

export const createSystemHandlers = ({
  system,
}: {
  system: SystemService;
}): RouterHandlers<Contract['system']> => ({
  health: async () => ({ status: 200, body: ok('Service is up', system.health()) }),
  // Not ready: the service throws SERVICE_UNAVAILABLE, which both transports answer as the declared 503.
  ready: async () => ({ status: 200, body: ok('Service is ready', await system.readiness()) }),
});
