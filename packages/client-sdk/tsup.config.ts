import { defineConfig } from 'tsup';

// The contract is a private workspace package: it is bundled into the SDK (code and types), so the
// published SDK depends only on zod, @ts-rest/core and tRPC. `trpc` is an entry of its own: the REST client
// never loads tRPC.
export default defineConfig({
  entry: ['src/index.ts', 'src/trpc.ts'],
  format: ['esm', 'cjs'],
  tsconfig: 'tsconfig.build.json',
  dts: { resolve: [/^@taskvault\//] },
  noExternal: [/^@taskvault\//],
  platform: 'neutral',
  target: 'es2022',
  sourcemap: true,
  clean: true,
  treeshake: true,
});
