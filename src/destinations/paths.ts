/**
 * Destination paths (SPEC section 2): segments joined with single slashes, never `..`.
 * FTP, SFTP and GCS paths are folders; an S3 path is a folder, or folder + file name when its
 * last segment has an extension (`/folder/contactsExport.csv`).
 */
export function segments(path: string): string[] {
  const parts = path.split('/').filter((s) => s.length > 0 && s !== '.');
  if (parts.includes('..')) throw new Error(`path "${path}" contains ".."`);
  return parts;
}

/** An absolute folder path on an FTP/SFTP server: `/` + segments. */
export function remoteFolder(path: string): string {
  return `/${segments(path).join('/')}`;
}

export function remoteFile(folder: string, fileName: string): string {
  return folder === '/' ? `/${fileName}` : `${folder}/${fileName}`;
}

/** The S3 object key: no leading slash, no duplicate slashes. */
export function s3Key(path: string, fileName: string): string {
  const parts = segments(path);
  const last = parts[parts.length - 1];
  if (last !== undefined && /\.[A-Za-z0-9]{1,10}$/.test(last)) return parts.join('/');
  return [...parts, fileName].join('/');
}

/** The GCS object name: folder segments + file name. */
export function gcsObjectName(path: string, fileName: string): string {
  return [...segments(path), fileName].join('/');
}

/** A temporary name beside the final file; deterministic per job so a retry replaces its own leftovers. */
export function temporaryName(fileName: string, jobID: string): string {
  return `.${fileName}.${jobID.slice(0, 8)}.part`;
}
