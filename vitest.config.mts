import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    // Four test files at a time whatever the cores: most of a file's time is spent waiting on the hosts,
    // browsers and command lines it starts, on sockets and on timers, not on the CPU. On the 2-core
    // development machine the suite took 239 s with four against 433 s with two (one run each).
    poolOptions: { forks: { minForks: 1, maxForks: 4 } },
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
