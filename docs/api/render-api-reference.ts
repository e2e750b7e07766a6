// Writes docs/api.md from the package's entry points (labkit/index.ts, labkit/matchers.ts) and the
// error-code table: each export with its signature and doc comment, so the reference is the types.
// `node docs/api/render-api-reference.ts` rewrites it; a unit test fails when it drifts.
import { writeFileSync } from "node:fs";
import path from "node:path";
import * as prettier from "prettier";
import ts from "typescript";
import { ERROR_CODES, EXIT } from "../../protocol/error-codes.ts";

const ROOT = path.join(import.meta.dirname, "..", "..");
const ENTRY = path.join(ROOT, "labkit", "index.ts");
export const API_REFERENCE_FILE = path.join(ROOT, "docs", "api.md");

const SIGNATURE_FLAGS: ts.TypeFormatFlags =
  ts.TypeFormatFlags.NoTruncation | ts.TypeFormatFlags.UseAliasDefinedOutsideCurrentScope;

/** The reference as markdown (formatted as the repository's Prettier would), from the entry's exports. */
export async function renderApiReference(): Promise<string> {
  const options = await prettier.resolveConfig(API_REFERENCE_FILE);
  return prettier.format(renderMarkdown(), { ...options, parser: "markdown" });
}

function renderMarkdown(): string {
  const program = ts.createProgram([ENTRY], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2024,
    allowImportingTsExtensions: true,
    noEmit: true,
    strict: true,
  });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(ENTRY);
  const moduleSymbol = source && checker.getSymbolAtLocation(source);
  if (!moduleSymbol) throw new Error(`cannot read ${ENTRY}`);
  const sections = checker.getExportsOfModule(moduleSymbol).map((exported) => describe(checker, exported));
  return [HEADER, ...sections, MATCHERS, errorTable()].join("\n");
}

function describe(checker: ts.TypeChecker, exported: ts.Symbol): string {
  const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
  const declaration = symbol.declarations?.[0];
  const docs = ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim();
  const body = declaration ? declarationText(checker, symbol, declaration) : exported.name;
  return `### \`${exported.name}\`\n\n${docs ? `${docs}\n\n` : ""}\`\`\`ts\n${body}\n\`\`\`\n`;
}

// Exports whose full type is a table better shown as one, below.
const SHOWN_AS_TABLE: Readonly<Record<string, string>> = {
  ERROR_CODES:
    "const ERROR_CODES: { readonly [code in ErrorCode]: ErrorCodeSpec }; // every code: the table at the end",
};

function declarationText(checker: ts.TypeChecker, symbol: ts.Symbol, declaration: ts.Declaration): string {
  const table = SHOWN_AS_TABLE[symbol.name];
  if (table) return table;
  if (
    ts.isInterfaceDeclaration(declaration) ||
    ts.isTypeAliasDeclaration(declaration) ||
    ts.isClassDeclaration(declaration)
  )
    return withoutBodies(declaration.getText());
  const type = checker.getTypeOfSymbolAtLocation(symbol, declaration);
  const signatures = type.getCallSignatures();
  if (signatures.length > 0)
    return signatures
      .map((s) => `function ${symbol.name}${checker.signatureToString(s, undefined, SIGNATURE_FLAGS)}`)
      .join("\n");
  return `const ${symbol.name}: ${checker.typeToString(type, undefined, SIGNATURE_FLAGS)}`;
}

// Members keep their doc comments; method and constructor bodies are not part of the API.
function withoutBodies(text: string): string {
  return text.replace(/\)\s*\{[\s\S]*?\n {2}\}/g, ");");
}

const HEADER = `# socklab API reference

Generated from the types by \`node docs/api/render-api-reference.ts\` (a unit test fails when this
file and the code differ). The guide is [testing-your-own-service.md](testing-your-own-service.md).

\`\`\`ts
import { startLab, waitForSocket, readEnds, startPuppet } from "socklab";
import "socklab/matchers"; // toHaveSocket, toHaveSocketInState on vitest's expect
\`\`\`

## \`socklab\`
`;

const MATCHERS = `## \`socklab/matchers\`

Importing it adds two matchers to vitest's \`expect\` (vitest is a peer dependency of this entry only):

\`\`\`ts
expect(end: ConnectionEnd).toHaveSocket(match: SocketMatch); // a socket matching is in the table (.not: none is)
expect(end: ConnectionEnd).toHaveSocketInState(match: SocketMatch, state: SocketState);
\`\`\`

A failure shows the table of the end and of its peer (\`readEnds\` gives each end its peer).
`;

function errorTable(): string {
  const exitName = new Map(Object.entries(EXIT).map(([name, code]) => [code as number, name]));
  const rows = Object.entries(ERROR_CODES).map(
    ([code, spec]) =>
      `| \`${code}\` | ${spec.exitCode} (${exitName.get(spec.exitCode) ?? ""}) | ${spec.meaning} |`,
  );
  return `## Error codes

Every \`SocklabError\` carries one of these codes; the socklab command exits with the code beside it.

| code | exit | meaning |
| --- | --- | --- |
${rows.join("\n")}
`;
}

if (import.meta.main) writeFileSync(API_REFERENCE_FILE, await renderApiReference());
