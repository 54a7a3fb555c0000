// The app's settings, read and checked once when the app loads: a wrong one stops the app at
// start-up, naming it (shared/config.ts).
import { loadConfig, type AppConfig } from '../../shared/config';

const config = loadConfig(process.env);

export function appConfig(): AppConfig {
  return config;
}
