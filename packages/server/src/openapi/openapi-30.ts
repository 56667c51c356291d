type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => !!v && typeof v === 'object' && !Array.isArray(v);

/**
 * Finishes a schema of zod's `openapi-3.0` target as an OpenAPI 3.0 Schema Object. Zod already writes
 * `nullable`, one-value `enum`s for constants, boolean exclusive bounds and `allOf` around a `$ref` with
 * siblings; it leaves `.meta({ examples })` as `examples`, which 3.0 knows as one `example`, and keeps
 * keywords 3.0 does not know (`contentEncoding`, `contentMediaType` of files, `propertyNames` of records,
 * `$comment`), which are dropped here. It also wraps in `allOf` a `$ref` that has no siblings at all (an
 * optional field of a shared schema): that `allOf` is unwrapped, back to the plain `$ref`.
 */
export function schemaTo30(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(schemaTo30);
  if (!isObject(node)) return node;
  const {
    $schema: _s,
    $id: _i,
    $comment: _c,
    contentEncoding: _ce,
    contentMediaType: _cm,
    propertyNames: _p,
    examples,
    ...rest
  } = node;
  const out: Json = {};
  for (const [k, v] of Object.entries(rest)) {
    if (k === 'properties' && isObject(v))
      out[k] = Object.fromEntries(Object.entries(v).map(([name, s]) => [name, schemaTo30(s)]));
    else if (k === 'items' || k === 'not' || (k === 'additionalProperties' && isObject(v)))
      out[k] = schemaTo30(v);
    else if (k === 'allOf' || k === 'anyOf' || k === 'oneOf') out[k] = (v as unknown[]).map(schemaTo30);
    else out[k] = v;
  }
  if (Array.isArray(examples) && examples.length > 0) out.example = examples[0];
  const only = Array.isArray(out.allOf) && out.allOf.length === 1 ? (out.allOf[0] as Json) : undefined;
  if (
    only &&
    Object.keys(out).length === 1 &&
    typeof only.$ref === 'string' &&
    Object.keys(only).length === 1
  )
    return only;
  return out;
}
