import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

/**
 * Which folder of src/ imports which, read with the TypeScript compiler's own import scanner and
 * module resolution (so `import type`, re-exports, `import()` and `require()` all count: a type
 * loop between layers is as much a loop to a reader as a value loop). A file directly in src/ is a
 * unit of its own, named without its extension.
 */

/** One import that makes an edge: the file and what it imports. */
export interface Import {
  file: string;
  specifier: string;
}

/** from unit → to unit → the imports that make that edge. */
export type FolderGraph = Map<string, Map<string, Import[]>>;

export function folderGraph(srcDir: string): FolderGraph {
  const root = resolve(srcDir);
  const options: ts.CompilerOptions = { module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10, allowJs: true };
  const unitOf = (file: string) => relative(root, file).split(sep)[0]!.replace(/\.[cm]?[jt]s$/, '');
  const graph: FolderGraph = new Map();
  for (const file of sourceFiles(root)) {
    const from = unitOf(file);
    for (const { fileName: specifier } of ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles) {
      const target = ts.resolveModuleName(specifier, file, options, ts.sys).resolvedModule?.resolvedFileName;
      if (!target || relative(root, target).startsWith('..') || target.includes(`${sep}node_modules${sep}`)) continue;
      const to = unitOf(target);
      if (to === from) continue;
      const edges = graph.get(from) ?? new Map<string, Import[]>();
      graph.set(from, edges);
      edges.set(to, [...(edges.get(to) ?? []), { file: relative(resolve(root, '..'), file), specifier }]);
    }
  }
  return graph;
}

/** Every group of units that import each other, round and round (Tarjan's strongly connected components of two or more). */
export function cycles(graph: FolderGraph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (unit: string) => {
    index.set(unit, index.size);
    low.set(unit, index.get(unit)!);
    stack.push(unit);
    onStack.add(unit);
    for (const next of graph.get(unit)?.keys() ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(unit, Math.min(low.get(unit)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(unit, Math.min(low.get(unit)!, index.get(next)!));
      }
    }
    if (low.get(unit) !== index.get(unit)) return;
    const component: string[] = [];
    for (let member = stack.pop()!; ; member = stack.pop()!) {
      onStack.delete(member);
      component.push(member);
      if (member === unit) break;
    }
    if (component.length > 1) found.push(component.sort());
  };
  for (const unit of [...graph.keys()].sort()) if (!index.has(unit)) visit(unit);
  return found;
}

/** The edges inside one cycle, each with the imports that make it: what to change to break it. */
export function describeCycle(graph: FolderGraph, members: string[]): string {
  const lines: string[] = [];
  for (const from of members) {
    for (const [to, imports] of graph.get(from) ?? []) {
      if (!members.includes(to)) continue;
      lines.push(`${from} → ${to}: ${imports.map(({ file, specifier }) => `${file} imports '${specifier}'`).join(', ')}`);
    }
  }
  return lines.join('\n');
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.[cm]?[jt]s$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}
