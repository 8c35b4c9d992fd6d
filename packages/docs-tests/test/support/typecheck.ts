import { join } from 'node:path';
import ts from 'typescript';
import { REPO_ROOT } from './markdown.js';

/**
 * Type-checks files with the repository's compiler settings (strict, `noUncheckedIndexedAccess`, the
 * `@clickpesa-kit/source` condition, so workspace packages are checked from their TypeScript source).
 * Only the given files' own diagnostics are reported: a half-finished package elsewhere does not fail a doc
 * block unless the block's use of it is wrong.
 */
export interface TypecheckResult {
  program: ts.Program;
  /** Diagnostics per root file (an empty list when the file compiles). */
  diagnostics: Map<string, Diagnostic[]>;
}

export interface Diagnostic {
  /** 1-based line in the file (0 when the diagnostic has no position). */
  line: number;
  message: string;
}

export function typecheck(rootFiles: readonly string[]): TypecheckResult {
  const options = compilerOptions();
  const program = ts.createProgram({ rootNames: [...rootFiles], options });
  const diagnostics = new Map<string, Diagnostic[]>();
  for (const file of rootFiles) {
    const source = program.getSourceFile(file);
    if (!source) {
      diagnostics.set(file, [{ line: 0, message: 'not part of the program' }]);
      continue;
    }
    const found = [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)];
    diagnostics.set(file, found.filter((d) => !isReadersOwnModule(d)).map(format));
  }
  return { program, diagnostics };
}

/** Names of the properties of a type exported (or re-exported) by one of the program's files. */
export function exportedTypeProperties(program: ts.Program, file: string, exportName: string): string[] {
  const checker = program.getTypeChecker();
  return checker
    .getPropertiesOfType(exportedType(program, file, exportName))
    .map((property) => property.name);
}

/** The members of an exported union of string literals, e.g. `'timeout' | 'not_found'`. */
export function exportedStringUnion(program: ts.Program, file: string, exportName: string): string[] {
  const type = exportedType(program, file, exportName);
  const members = type.isUnion() ? type.types : [type];
  return members
    .filter((member) => member.isStringLiteral())
    .map((member) => (member as ts.StringLiteralType).value);
}

function exportedType(program: ts.Program, file: string, exportName: string): ts.Type {
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file);
  const moduleSymbol = source && checker.getSymbolAtLocation(source);
  let symbol = moduleSymbol && checker.getExportsOfModule(moduleSymbol).find((s) => s.name === exportName);
  if (symbol && symbol.flags & ts.SymbolFlags.Alias) symbol = checker.getAliasedSymbol(symbol);
  if (!symbol) throw new Error(`${file} exports no ${exportName}`);
  return checker.getDeclaredTypeOfSymbol(symbol);
}

function compilerOptions(): ts.CompilerOptions {
  const basePath = join(REPO_ROOT, 'tsconfig.base.json');
  const read = ts.readConfigFile(basePath, ts.sys.readFile);
  if (read.error) throw new Error(format(read.error).message);
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, REPO_ROOT, undefined, basePath);
  return {
    ...parsed.options,
    noEmit: true,
    // every block is its own module, with or without imports (top-level await needs that)
    moduleDetection: ts.ModuleDetectionKind.Force,
  };
}

/**
 * A relative import (`./db.js`, `../src/index.js`) in a doc block stands for the reader's own code, which the
 * docs cannot contain: it stays unresolved (its names are `any`) and everything else is still checked.
 */
function isReadersOwnModule(diagnostic: ts.Diagnostic): boolean {
  if (diagnostic.code !== 2307) return false;
  const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
  return /^Cannot find module '\.\.?\//.test(message);
}

function format(diagnostic: ts.Diagnostic): Diagnostic {
  const message = `TS${diagnostic.code}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`;
  if (!diagnostic.file || diagnostic.start === undefined) return { line: 0, message };
  const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
  return { line: line + 1, message };
}
