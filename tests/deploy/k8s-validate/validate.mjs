// Validates Kubernetes objects against the API's JSON schemas
// (kubernetes-models), offline: the input is a JSON array of objects on
// stdin (tests/deploy/test_k8s.py renders deploy/k8s with kubectl kustomize
// and converts it). Prints one line per object; exits 1 if any object is
// invalid or of a kind the schemas do not know.
import { readFileSync } from "node:fs";

async function modelOf(object) {
  const { apiVersion, kind } = object;
  if (typeof apiVersion !== "string" || typeof kind !== "string") {
    throw new Error("no apiVersion or kind");
  }
  // Core objects (apiVersion "v1") live in kubernetes-models/v1.
  let models;
  try {
    models = await import(`kubernetes-models/${apiVersion}`);
  } catch {
    throw new Error(`no schemas for apiVersion ${apiVersion}`);
  }
  const Model = models[kind];
  if (!Model) throw new Error(`no schema for ${kind} in ${apiVersion}`);
  return Model;
}

const objects = JSON.parse(readFileSync(0, "utf8"));
let failed = 0;
for (const object of objects) {
  const name = `${object.kind}/${object.metadata?.name}`;
  try {
    const Model = await modelOf(object);
    new Model(object).validate();
    console.log(`valid ${object.apiVersion} ${name}`);
  } catch (error) {
    failed++;
    console.log(`invalid ${object.apiVersion} ${name}: ${error.message}`);
  }
}
process.exit(failed ? 1 : 0);
