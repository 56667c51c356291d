import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// In development the API runs on :3000 and Vite proxies to it, so the app always talks to its own origin.
const api = 'http://127.0.0.1:3000';

/** Third-party code that changes with a dependency upgrade, not with a release of the app: cached apart. */
const vendor = (pkg: string) => new RegExp(`[\\\\/]node_modules[\\\\/]${pkg}[\\\\/]`);

export default defineConfig({
  plugins: [react()],
  server: { proxy: { '/api': api, '/trpc': api, '/docs': api } },
  build: {
    sourcemap: true,
    rolldownOptions: {
      output: {
        codeSplitting: {
          groups: [
            { name: 'react', test: vendor('(react|react-dom|scheduler)'), priority: 3 },
            { name: 'router', test: vendor('react-router'), priority: 2 },
            { name: 'tanstack', test: vendor('@tanstack'), priority: 2 },
          ],
        },
      },
    },
  },
});
