import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { randomUUID } from 'node:crypto';
import type { InternalStorage } from './internal-storage';

/** Internal storage in a local folder (STORAGE_DIR); shared with the gateway, which serves downloads. */
export class LocalFolderStorage implements InternalStorage {
  readonly kind = 'local' as const;

  constructor(private readonly root: string) {}

  private resolve(key: string): string {
    const full = path.resolve(this.root, key);
    if (!full.startsWith(path.resolve(this.root) + path.sep))
      throw new Error(`storage key escapes the storage folder: ${key}`);
    return full;
  }

  async put(
    key: string,
    localPath: string,
    onProgress?: (bytes: number) => void,
  ): Promise<{ bytes: number }> {
    const target = this.resolve(key);
    await fs.mkdir(path.dirname(target), { recursive: true });
    const temp = `${target}.${randomUUID()}.tmp`;
    try {
      await fs.copyFile(localPath, temp);
      await fs.rename(temp, target);
    } catch (err) {
      await fs.rm(temp, { force: true });
      throw err;
    }
    const { size } = await fs.stat(target);
    onProgress?.(size);
    return { bytes: size };
  }

  async stat(key: string): Promise<{ bytes: number; storedAt: Date } | undefined> {
    try {
      const s = await fs.stat(this.resolve(key));
      return s.isFile() ? { bytes: s.size, storedAt: s.mtime } : undefined;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  read(key: string, range?: { start: number; end: number }): Promise<Readable> {
    return Promise.resolve(
      createReadStream(this.resolve(key), range ? { start: range.start, end: range.end } : {}),
    );
  }

  async remove(key: string): Promise<void> {
    const target = this.resolve(key);
    await fs.rm(target, { force: true });
    // Drop the job folder when it is empty; a concurrent writer may race us, which is harmless.
    await fs.rmdir(path.dirname(target)).catch(() => undefined);
  }

  async listStoredBefore(cutoff: Date): Promise<string[]> {
    const found: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
      for (const entry of entries) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) await walk(full);
        else if (entry.isFile() && !entry.name.endsWith('.tmp')) {
          const s = await fs.stat(full);
          if (s.mtime < cutoff) found.push(path.relative(this.root, full).split(path.sep).join('/'));
        }
      }
    };
    await walk(this.root);
    return found;
  }
}
