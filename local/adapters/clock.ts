// The app's clock port over the local host's one clock (which tests and `POST /admin/clock` move).
import type { Clock } from '../../shared/app/ports';
import { getService } from '../host/services';

export const embeddedClock: Clock = {
  now: () => getService<Clock>('clock').now(),
};
