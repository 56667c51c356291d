/**
 * What the SDK costs a browser app: a tiny consumer of each entry point is bundled with esbuild the way an
 * app's bundler would (ESM, platform browser, tree-shaking on), against the BUILT package (`@taskvault/sdk`
 * resolves through the workspace link to packages/client-sdk/dist, by its `exports` map), and measured:
 *
 * - REST: `createClient({ baseUrl })` and one `tasks.list` call, from `@taskvault/sdk`;
 * - tRPC: `createTrpcClient({ baseUrl })` and one `tasks.list.query`, from `@taskvault/sdk/trpc`.
 *
 * Each is bundled twice: unminified (raw) and minified; the minified bundle is also gzipped (node:zlib
 * gzipSync, default level). Prints a table of raw, minified and gzipped bytes, then for each bundle the
 * inputs' contributions to the minified output (esbuild's metafile, bytesInOutput), summed by package and
 * then the largest files. Nothing
 * is written to disk; nothing is asserted.
 *
 * `npm run bench:sdk-size` (builds the packages first). BENCH_SDK_TOP sets how many contributors are listed
 * (default 10).
 */
import { build, type Metafile } from 'esbuild';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

const root = path.resolve(import.meta.dirname, '..');
const top = Number(process.env.BENCH_SDK_TOP ?? 10); // eslint-disable-line no-restricted-properties -- the caller's choice of length
if (!Number.isSafeInteger(top) || top < 0) throw new Error(`BENCH_SDK_TOP: a whole number, not ${top}`);

const consumers = {
  rest: `import { createClient } from '@taskvault/sdk';
const c = createClient({ baseUrl: 'http://x' });
c.tasks.list({ query: {} });`,
  trpc: `import { createTrpcClient } from '@taskvault/sdk/trpc';
const c = createTrpcClient({ baseUrl: 'http://x' });
c.tasks.list.query({ query: {} });`,
};

const bundle = async (source: string, minify: boolean) => {
  const result = await build({
    stdin: { contents: source, resolveDir: root, sourcefile: 'consumer.js', loader: 'js' },
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    treeShaking: true,
    minify,
    metafile: true,
    logLevel: 'error',
    outfile: 'out.js',
  });
  const [file] = result.outputFiles;
  if (!file) throw new Error('esbuild wrote no output');
  return { bytes: file.contents, metafile: result.metafile };
};

/** The inputs of the one output, largest contribution first. */
const contributors = (metafile: Metafile) => {
  const [output] = Object.values(metafile.outputs);
  return Object.entries(output?.inputs ?? {})
    .map(([file, { bytesInOutput }]) => ({ file, bytes: bytesInOutput }))
    .filter((i) => i.bytes > 0)
    .sort((a, b) => b.bytes - a.bytes);
};

/** The package a bundled file belongs to (`zod`, `@trpc/client`), or the workspace folder it is in. */
const packageOf = (file: string) => {
  const name = shortName(file);
  if (name === file) return name.split('/').slice(0, 2).join('/');
  const parts = name.split('/');
  return name.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
};

/** The contributions summed by package, largest first. */
const byPackage = (inputs: Array<{ file: string; bytes: number }>) => {
  const sums = new Map<string, number>();
  for (const i of inputs) sums.set(packageOf(i.file), (sums.get(packageOf(i.file)) ?? 0) + i.bytes);
  return [...sums].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes);
};

/** A package-relative name: `node_modules/@trpc/client/dist/x.mjs` → `@trpc/client/dist/x.mjs`. */
const shortName = (file: string) => {
  const i = file.lastIndexOf('node_modules/');
  return i === -1 ? file : file.slice(i + 'node_modules/'.length);
};

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const results = [];
for (const [entry, source] of Object.entries(consumers)) {
  const raw = await bundle(source, false);
  const min = await bundle(source, true);
  results.push({
    entry,
    raw: raw.bytes.length,
    min: min.bytes.length,
    gzip: gzipSync(min.bytes).length,
    top: contributors(min.metafile),
  });
}

const w = 12;
console.log('entry'.padEnd(8), 'raw'.padStart(w), 'minified'.padStart(w), 'gzipped'.padStart(w));
for (const r of results)
  console.log(r.entry.padEnd(8), kib(r.raw).padStart(w), kib(r.min).padStart(w), kib(r.gzip).padStart(w));

const share = (bytes: number, of: number) => `${((100 * bytes) / of).toFixed(1)}%`.padStart(6);
for (const r of results) {
  console.log(`\n${r.entry}: by package (minified bytes)`);
  for (const p of byPackage(r.top))
    console.log(kib(p.bytes).padStart(10), share(p.bytes, r.min), ' ', p.name);
  console.log(`${r.entry}: top ${Math.min(top, r.top.length)} of ${r.top.length} inputs (minified bytes)`);
  for (const i of r.top.slice(0, top))
    console.log(kib(i.bytes).padStart(10), share(i.bytes, r.min), ' ', shortName(i.file));
}
