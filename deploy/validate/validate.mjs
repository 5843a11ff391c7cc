// Validates Kubernetes manifests offline against the Kubernetes JSON schemas shipped in the npm package
// kubernetes-models (types, required fields, enums, formats such as int-or-string and quantities).
// Usage: node deploy/validate/validate.mjs FILE.yaml... (multi-document YAML allowed)
// Finds its npm packages in $FATHOM_TOOLS/node_modules (default /opt/fathom-tools; .ci/setup.d/deploy-tools.sh).
// Prints one line per object ("ok Kind/name" or "invalid Kind/name: reasons") and exits 1 if any is invalid.
import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const tools = process.env.FATHOM_TOOLS || "/opt/fathom-tools";
const modules = join(tools, "node_modules");
const { parseAllDocuments } = await import(pathToFileURL(join(modules, "yaml", "dist", "index.js")).href);

/** The kubernetes-models module of a type: "apps/v1" + "Deployment" -> apps/v1/Deployment.js; core "v1" -> v1/... */
async function modelFor(apiVersion, kind) {
  const file = join(modules, "kubernetes-models", ...apiVersion.split("/"), `${kind}.js`);
  if (!/^[A-Za-z0-9.\-/]+$/.test(apiVersion) || !/^[A-Za-z0-9]+$/.test(kind) || !existsSync(file)) {
    return null;
  }
  const module = await import(pathToFileURL(file).href);
  return module[kind] ?? null;
}

function describe(errors) {
  return (errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? e.keyword}${e.params ? " " + JSON.stringify(e.params) : ""}`).join("; ");
}

async function validateDocument(object) {
  if (object === null || typeof object !== "object" || Array.isArray(object)) {
    return ["document is not a mapping"];
  }
  const problems = [];
  if (typeof object.apiVersion !== "string") problems.push("apiVersion missing");
  if (typeof object.kind !== "string") problems.push("kind missing");
  if (typeof object.metadata?.name !== "string" || object.metadata.name === "") problems.push("metadata.name missing");
  if (problems.length > 0) return problems;
  const Model = await modelFor(object.apiVersion, object.kind);
  if (Model === null) return [`unknown type ${object.apiVersion} ${object.kind}`];
  try {
    new Model(object).validate();
  } catch (error) {
    problems.push(error.errors ? describe(error.errors) : String(error.message ?? error));
  }
  return problems;
}

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node validate.mjs FILE.yaml...");
  process.exit(2);
}
let invalid = 0;
let checked = 0;
for (const file of files) {
  for (const document of parseAllDocuments(readFileSync(file, "utf8"))) {
    if (document.errors.length > 0) {
      invalid++;
      console.log(`invalid ${file}: YAML ${document.errors.map((e) => e.message).join("; ")}`);
      continue;
    }
    const object = document.toJS();
    if (object === null || object === undefined) continue; // empty document (e.g. a trailing ---)
    const problems = await validateDocument(object);
    const label = `${object?.kind ?? "?"}/${object?.metadata?.name ?? "?"}`;
    checked++;
    if (problems.length > 0) {
      invalid++;
      console.log(`invalid ${file} ${label}: ${problems.join("; ")}`);
    } else {
      console.log(`ok ${file} ${label}`);
    }
  }
}
console.log(`${checked} objects checked, ${invalid} invalid`);
process.exit(invalid > 0 ? 1 : 0);
