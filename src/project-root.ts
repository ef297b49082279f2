import { existsSync } from 'node:fs';
import path from 'node:path';

/** The folder holding package.json, from sources (src/…) and from the build (dist/src/…) alike. */
export function projectRoot(from = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (dir === path.dirname(dir)) throw new Error(`no package.json above ${from}`);
  }
}
