// A small OpenAPI 3.0 reader for the conformance checks: the vendors' documents are read in
// place from the shared reference folder (never copied into this repository), operations are
// found by method and concrete path, and values are validated against a JSON-schema subset
// ($ref, type + nullable, properties, required, enum, items, allOf/anyOf/oneOf,
// additionalProperties, minLength/maxLength, minItems/maxItems).

import { readFileSync, existsSync } from "node:fs";
import path from "node:path";

export const DOCS = {
  intercom: { file: "openapi/intercom-2.14/api.intercom.io.yaml", strip: "" },
  zendesk: { file: "openapi/zendesk-sunshine/openapi.yaml", strip: "/sc" },
};

/** Parses a vendor's document; throws (never skips) when it is missing. */
export async function load(ref, vendor) {
  const file = path.join(ref, DOCS[vendor].file);
  if (!existsSync(file)) throw new Error(`missing ${file}: the conformance checks need the vendors' OpenAPI documents`);
  let parse;
  try {
    ({ parse } = await import("yaml"));
  } catch {
    throw new Error("the yaml package is missing: run `npm ci` in tests/fakes");
  }
  return parse(readFileSync(file, "utf8"), { maxAliasCount: -1 });
}

/** The document's operation for a method and a concrete path, with its path template. */
export function operation(doc, method, p) {
  let best = null;
  for (const [template, item] of Object.entries(doc.paths)) {
    const re = new RegExp("^" + template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\\?\{[^}]+\\?\}/g, "[^/]+") + "$");
    const op = item[method.toLowerCase()];
    if (!re.test(p) || !op) continue;
    // A literal segment beats a parameter (`/contacts/search` over `/contacts/{id}`).
    const literal = template.replace(/\{[^}]+\}/g, "").length;
    if (!best || literal > best.literal) best = { template, op, item, literal };
  }
  return best;
}

export function resolve(doc, s) {
  let seen = 0;
  while (s && s.$ref) {
    if (++seen > 50) throw new Error(`$ref loop at ${s.$ref}`);
    s = s.$ref.replace(/^#\//, "").split("/").reduce((o, k) => o?.[k.replace(/~1/g, "/").replace(/~0/g, "~")], doc);
  }
  return s;
}

/** Violations of `value` against `schema` (empty when valid). */
export function validate(doc, schema, value, at = "$", depth = 0) {
  const s = resolve(doc, schema);
  if (!s || depth > 60) return [];
  if (value === undefined) return [];
  if (value === null) {
    // `nullable` next to a `$ref` (the documents use it so) counts as the referrer's intent.
    if (s.nullable || schema?.nullable || s.type === undefined) return [];
    return [`${at}: null is not allowed`];
  }
  const errs = [];
  if (s.allOf) for (const x of s.allOf) errs.push(...validate(doc, x, value, at, depth + 1));
  for (const key of ["anyOf", "oneOf"]) {
    if (s[key]) {
      const results = s[key].map((x) => validate(doc, x, value, at, depth + 1));
      if (!results.some((r) => r.length === 0)) {
        errs.push(`${at}: matches none of ${key} (${results.map((r) => r[0]).join(" | ")})`);
      }
    }
  }
  const t = s.type;
  const actual = Array.isArray(value) ? "array" : Number.isInteger(value) ? "integer" : typeof value;
  if (t && !(t === actual || (t === "number" && actual === "integer"))) {
    return [...errs, `${at}: expected ${t}, got ${actual} (${JSON.stringify(value).slice(0, 60)})`];
  }
  if (s.enum && !s.enum.includes(value)) errs.push(`${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(s.enum)}`);
  if (actual === "string") {
    if (s.minLength !== undefined && value.length < s.minLength) errs.push(`${at}: shorter than ${s.minLength}`);
    if (s.maxLength !== undefined && value.length > s.maxLength) errs.push(`${at}: longer than ${s.maxLength}`);
  }
  if (actual === "object" && (t === "object" || s.properties)) {
    for (const r of s.required ?? []) if (!(r in value)) errs.push(`${at}: missing required ${r}`);
    for (const [k, v] of Object.entries(value)) {
      if (s.properties?.[k]) errs.push(...validate(doc, s.properties[k], v, `${at}.${k}`, depth + 1));
      else if (s.additionalProperties === false) errs.push(`${at}: unexpected property ${k}`);
      else if (typeof s.additionalProperties === "object") errs.push(...validate(doc, s.additionalProperties, v, `${at}.${k}`, depth + 1));
    }
  }
  if (actual === "array") {
    if (s.minItems !== undefined && value.length < s.minItems) errs.push(`${at}: fewer than ${s.minItems} items`);
    if (s.maxItems !== undefined && value.length > s.maxItems) errs.push(`${at}: more than ${s.maxItems} items`);
    if (s.items) value.forEach((v, i) => errs.push(...validate(doc, s.items, v, `${at}[${i}]`, depth + 1)));
  }
  return errs;
}

/** The enum of a header parameter of an operation (e.g. Intercom-Version), or null. */
export function headerEnum(doc, op, name) {
  const p = (op.parameters ?? []).map((x) => resolve(doc, x)).find((x) => x.in === "header" && x.name.toLowerCase() === name);
  return p ? resolve(doc, p.schema)?.enum ?? null : null;
}

/** The JSON request-body schema of an operation, or null. */
export function requestSchema(doc, op) {
  return (op.requestBody && resolve(doc, op.requestBody)?.content?.["application/json"]?.schema) ?? null;
}

/** The JSON response schema of an operation for a status (undefined when the status is not documented). */
export function responseSchema(doc, op, status) {
  const r = op.responses?.[String(status)] ?? op.responses?.[`${String(status)[0]}XX`] ?? op.responses?.default;
  if (!r) return undefined;
  return resolve(doc, r)?.content?.["application/json"]?.schema ?? null;
}

/** Checks one request the fake recorded against the document: operation, version header, body. */
export function checkRequest(doc, vendor, r) {
  const p = r.path.slice(DOCS[vendor].strip.length);
  const found = operation(doc, r.method, p);
  if (!found) return { problems: ["no such operation in the document"] };
  const problems = [];
  const versions = headerEnum(doc, found.op, "intercom-version");
  if (versions && !versions.includes(r.headers["intercom-version"])) {
    problems.push(`Intercom-Version ${r.headers["intercom-version"]} is not one of the document's`);
  }
  const schema = requestSchema(doc, found.op);
  if (schema) problems.push(...validate(doc, schema, r.body === "" ? undefined : r.body));
  else if (r.body && r.body !== "") problems.push("a body where the document has none");
  return { template: found.template, op: found.op, problems };
}
