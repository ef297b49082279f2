import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..');

interface Import {
  readonly from: string;
  readonly to: string;
  readonly typeOnly: boolean;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return name.endsWith('.ts') ? [full] : [];
  });
}

/** Every import and re-export of the production code (src/, activities/, workflows/). */
const files = ['src', 'activities', 'workflows'].flatMap((dir) => sourceFiles(path.join(root, dir)));
const imports: Import[] = files.flatMap((file) =>
  [...readFileSync(file, 'utf8').matchAll(/^(?:import|export)(\s+type)?[^;]*?from\s+'([^']+)'/gms)].map(
    (m) => ({ from: file, to: m[2] ?? '', typeOnly: m[1] !== undefined }),
  ),
);

const rel = (file: string): string => path.relative(root, file);

function resolved(imp: Import): string | undefined {
  if (!imp.to.startsWith('.')) return undefined;
  const target = path.resolve(path.dirname(imp.from), imp.to);
  try {
    if (statSync(target).isDirectory()) return path.join(target, 'index.ts');
  } catch {
    // A file: its extension is left out.
  }
  return `${target}.ts`;
}

/** A module area: a folder of src/ (with its subfolders), a top-level file of src/, or a top folder. */
function area(file: string): string {
  const parts = rel(file).split(path.sep);
  if (parts[0] !== 'src') return parts[0] ?? '';
  return parts.length === 2 ? rel(file) : `src/${parts[1]}`;
}

describe('module layout', () => {
  it('no production code imports the dev stack (src/devstack is for dev and tests only)', () => {
    const offenders = imports
      .filter((imp) => !rel(imp.from).startsWith(`src${path.sep}devstack`))
      .filter((imp) => resolved(imp)?.includes(`${path.sep}src${path.sep}devstack${path.sep}`))
      .map((imp) => `${rel(imp.from)} → ${imp.to}`);
    expect(offenders).toEqual([]);
  });

  it('no two areas import each other, directly or around a loop, types included', () => {
    // The one exception is Temporal's own pattern: a workflow types its activity proxies with the
    // activities' signatures (`import type` from activities/), which vanish at compile time.
    const edges = new Map<string, Map<string, string>>();
    for (const imp of imports) {
      const target = resolved(imp);
      if (!target) continue;
      const [a, b] = [area(imp.from), area(target)];
      if (a === b || (imp.typeOnly && a === 'workflows' && b === 'activities')) continue;
      if (!edges.has(a)) edges.set(a, new Map());
      edges.get(a)?.set(b, `${rel(imp.from)} → ${imp.to}`);
    }
    const loops: string[] = [];
    const visit = (node: string, trail: string[]): void => {
      for (const [next, via] of edges.get(node) ?? []) {
        const at = trail.indexOf(next);
        if (at >= 0) loops.push([...trail.slice(at), next].join(' → ') + ` (closed by ${via})`);
        else if (trail.length < 12) visit(next, [...trail, next]);
      }
    };
    for (const start of edges.keys()) visit(start, [start]);
    expect([...new Set(loops)]).toEqual([]);
  });

  it('Temporal SDK internals (lib/ paths) are imported in one file only, src/temporal/sdk-internals.ts', () => {
    const offenders = imports
      .filter((imp) => /^@temporalio\/[^/]+\/lib\//.test(imp.to))
      .map((imp) => rel(imp.from))
      .filter((file) => file !== path.join('src', 'temporal', 'sdk-internals.ts'));
    expect(offenders).toEqual([]);
  });

  it('found the code it checks', () => {
    expect(files.length).toBeGreaterThan(80);
    expect(imports.length).toBeGreaterThan(300);
  });
});
