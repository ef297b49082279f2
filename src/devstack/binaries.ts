import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { delimiter } from 'node:path';
import toolsJson from '../../scripts/tools.json';

interface ToolEntry {
  readonly version?: string;
  readonly env: string;
  readonly path?: string;
  readonly package?: string;
  /** PyPI tools: the script in the tool's virtualenv. */
  readonly bin?: string;
}
interface ToolManifest {
  readonly go: Record<string, ToolEntry>;
  readonly debian: Record<string, ToolEntry>;
  readonly pypi: Record<string, ToolEntry>;
}

// scripts/tools.json is the one list of tool versions; scripts/setup.sh installs from it.
const manifest: ToolManifest = toolsJson;

export function toolCacheDir(): string {
  return (
    process.env.CONTACT_EXPORTS_CACHE ??
    path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'contact-exports')
  );
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = path.join(dir, name);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

export type ToolName =
  | 'temporal'
  | 'ferretdb'
  | 'fake-gcs-server'
  | 'versitygw'
  | 'sshd'
  | 'vsftpd'
  | 'chromium'
  | 'nginx'
  | 'gpg'
  | 'schemathesis';

/**
 * Where a tool is: its env var (TEMPORAL_BIN, ...) wins, then `temporal` on PATH, then the
 * per-user cache that `npm run setup` fills, then the Debian path.
 */
export function findTool(name: ToolName): string {
  const go = manifest.go[name];
  const debian = manifest.debian[name];
  const pypi = manifest.pypi[name];
  const entry = go ?? debian ?? pypi;
  if (!entry) throw new Error(`unknown tool ${name}`);
  const override = process.env[entry.env];
  if (override) return override;
  if (name === 'temporal') {
    const found = onPath('temporal');
    if (found) return found;
  }
  const candidates = go
    ? [path.join(toolCacheDir(), 'bin', `${name}-${go.version ?? ''}`, name)]
    : pypi
      ? [path.join(toolCacheDir(), 'py', `${name}-${pypi.version ?? ''}`, 'bin', pypi.bin ?? name)]
      : [debian?.path ?? '', onPath(name) ?? ''];
  const found = candidates.find((c) => c && existsSync(c));
  if (!found) {
    throw new Error(
      `${name} is not installed (looked in ${candidates.filter(Boolean).join(', ')}). Run \`npm run setup\`, or set ${entry.env}.`,
    );
  }
  return found;
}
