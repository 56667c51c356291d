import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import pkg from '../package.json' with { type: 'json' };

const main = path.resolve(import.meta.dirname, '../src/main.ts');
/** The Node flags `npm start` runs the server with (`node <flags> src/main.ts`), so spawned servers match it. */
const nodeFlags =
  /^node((?: --[\w-]+(?:=\S+)?)*) src\/main\.ts$/.exec(pkg.scripts.start)?.[1]?.trim().split(' ') ?? [];

export type SpawnedServer = {
  url: string;
  pid: number;
  /** Every log line so far. */
  lines: string[];
  /** SIGTERM, then the exit code. */
  stop: () => Promise<number | null>;
};

/**
 * Runs `node src/main.ts` as an operator would, with exactly `env` (plus PATH), and resolves once it logs
 * that it is listening. Used by process tests, the SDK's consumer test and the benchmarks.
 */
export async function spawnServer(env: Record<string, string>): Promise<SpawnedServer> {
  const child = spawn(process.execPath, [...nodeFlags.filter(Boolean), main], {
    // eslint-disable-next-line no-restricted-properties -- a child process needs a PATH, nothing else leaks in
    env: { PATH: process.env.PATH ?? '', PORT: '0', SERVE_WEB: 'false', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      lines.push(line);
      const entry = JSON.parse(line) as { msg?: string; url?: string };
      if (entry.msg === 'Taskvault is listening' && entry.url) resolve(entry.url);
    });
    void exited.then((code) => reject(new Error(`server exited with ${code}: ${stderr}${lines.join('\n')}`)));
  });
  return {
    url,
    pid: child.pid!,
    lines,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
