import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { DemoData } from '../demo-seed';
import { localOrigin, REPO_ROOT } from '../local-settings';

/** The same settings `npm start` reads, so the commands find the running stack and its data. */
export function localSettings() {
  const port = Number(process.env.PORT ?? 3000);
  const host = process.env.HOST || '127.0.0.1';
  const dataDir = resolve(process.env.DATA_DIR ?? join(REPO_ROOT, '.data'));
  return { origin: localOrigin(host, port), dataDir };
}

export async function demoPasswordFor(dataDir: string, email: string): Promise<string | undefined> {
  const text = await readFile(join(dataDir, 'demo-credentials.json'), 'utf8').catch(() => undefined);
  if (!text) return undefined;
  const demo = JSON.parse(text) as DemoData;
  return demo.staff.find((s) => s.email.toLowerCase() === email.toLowerCase())?.password;
}

export function emailArgument(command: string): string {
  const email = process.argv[2];
  if (!email?.includes('@')) {
    console.error(`Usage: npm run ${command} -- <email>   (e.g. npm run ${command} -- admin@demo.nhs.net)`);
    process.exit(2);
  }
  return email;
}
