import type { Config } from '../config';
import type { InternalStorage } from './internal-storage';
import { LocalFolderStorage } from './local-folder-storage';

export function createInternalStorage(config: Config): InternalStorage {
  return new LocalFolderStorage(config.storageDir);
}
