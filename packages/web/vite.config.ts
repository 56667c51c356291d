import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// In development the API runs on :3000 and Vite proxies to it, so the app always talks to its own origin.
const api = 'http://127.0.0.1:3000';

export default defineConfig({
  plugins: [react()],
  server: { proxy: { '/api': api, '/trpc': api, '/docs': api } },
  build: { sourcemap: true },
});
