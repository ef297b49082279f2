import { promises as fs } from 'node:fs';
import path from 'node:path';

/**
 * An append-only staging file that can be cut back to a checkpoint. An export writes whole pages
 * and records (rows, bytes) after each one; a retried attempt truncates the file to the recorded
 * byte count and appends from there, so no row is written twice or lost.
 */
export class StagingFile {
  private constructor(
    readonly filePath: string,
    private readonly handle: fs.FileHandle,
    private size: number,
  ) {}

  /**
   * Opens an existing `filePath` for appending after its first `keepBytes` bytes. Returns
   * undefined when the file is shorter than `keepBytes`: the checkpoint cannot be trusted here.
   */
  static async open(filePath: string, keepBytes = 0): Promise<StagingFile | undefined> {
    await fs.mkdir(path.dirname(filePath), { recursive: true });
    const handle = await fs.open(filePath, 'r+').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
    if (!handle) return undefined;
    const { size } = await handle.stat();
    if (size < keepBytes) {
      await handle.close();
      return undefined;
    }
    await handle.truncate(keepBytes);
    return new StagingFile(filePath, handle, keepBytes);
  }

  /** Creates (or empties) `filePath` for a fresh export. */
  static async create(filePath: string): Promise<StagingFile> {
    await fs.mkdir(path.dirname(filePath), { recursive: true });
    return new StagingFile(filePath, await fs.open(filePath, 'w'), 0);
  }

  get bytes(): number {
    return this.size;
  }

  async append(chunk: Buffer): Promise<void> {
    let offset = 0;
    while (offset < chunk.length) {
      const { bytesWritten } = await this.handle.write(chunk, offset, chunk.length - offset, this.size);
      offset += bytesWritten;
      this.size += bytesWritten;
    }
  }

  /** Flushes written data to disk, so a checkpoint survives a machine crash, not only a process crash. */
  async sync(): Promise<void> {
    await this.handle.datasync();
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

export async function removeFile(filePath: string): Promise<void> {
  await fs.rm(filePath, { force: true });
}

/** Where file `number` of a split export is staged: beside the staging file it replaces. */
export function splitStagingPath(filePath: string, number: number): string {
  return `${filePath}.f${number}`;
}

/** Removes a staging file and, if the export was split, every one of its files. */
export async function removeStaged(filePath: string): Promise<void> {
  await removeFile(filePath);
  const prefix = `${path.basename(filePath)}.f`;
  const names = await fs.readdir(path.dirname(filePath)).catch(() => [] as string[]);
  await Promise.all(
    names
      .filter((name) => name.startsWith(prefix) && /^\d+$/.test(name.slice(prefix.length)))
      .map((name) => removeFile(path.join(path.dirname(filePath), name))),
  );
}
