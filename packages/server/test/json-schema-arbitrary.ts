import fc from 'fast-check';

/** A JSON Schema 2020-12 node, as the OpenAPI 3.1 document holds it. */
export type Schema = Record<string, unknown>;

/** Keys named like members of Object.prototype: code that looks input keys up on a plain object trips on them. */
export const PROTOTYPE_KEYS = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'] as const;

/**
 * Characters HTTP forbids in a header value (RFC 9110 §5.5) other than CR and LF, which would end the
 * header and start another one instead of testing what the server does with the character.
 */
export const CONTROL_CHARACTERS = [
  ...Array.from({ length: 0x20 }, (_, i) => String.fromCharCode(i)).filter(
    (c) => c !== '\t' && c !== '\r' && c !== '\n',
  ),
  '\x7f',
];

const isObject = (v: unknown): v is Schema => !!v && typeof v === 'object' && !Array.isArray(v);
const codePoints = (s: string) => [...s].length;
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

/**
 * fast-check arbitraries for the JSON schemas of an OpenAPI document: values a schema accepts (`valid`) and
 * values close to them that it should not (`invalid`: candidates, which the caller confirms with a validator,
 * because a mutation can land on another accepted value, as `null` for a nullable field).
 *
 * Covers what the contract's schemas use: `$ref` to components, `const`, `enum`, `anyOf`/`oneOf`/`allOf`,
 * type arrays (nullable), objects with `properties`/`required`/`additionalProperties`, arrays with `items` and
 * `minItems`/`maxItems`, strings with `minLength`/`maxLength`/`pattern` and the formats uuid, date, date-time,
 * email and uri, integers and numbers with bounds, booleans and null. Schema `examples` are drawn now and
 * then, as real clients send them.
 */
export class SchemaArbitraries {
  readonly #components: Record<string, Schema>;

  constructor(components: Record<string, Schema>) {
    this.#components = components;
  }

  /** The schema with its `$ref` followed (siblings such as `default` or `description` kept). */
  resolve(schema: unknown, depth = 0): Schema {
    if (!isObject(schema)) return {};
    if (typeof schema.$ref !== 'string' || depth > 16) return schema;
    const { $ref, ...siblings } = schema;
    const target = this.#components[$ref.split('/').pop()!];
    return { ...this.resolve(target, depth + 1), ...siblings };
  }

  /** The JSON types a schema admits at its top level, `undefined` when it does not say. */
  typesOf(schema: unknown): string[] | undefined {
    const s = this.resolve(schema);
    if (Object.hasOwn(s, 'const')) return [jsonType(s.const)];
    if (Array.isArray(s.enum)) return [...new Set(s.enum.map(jsonType))];
    const variants = (s.anyOf ?? s.oneOf) as unknown[] | undefined;
    if (variants) {
      const all = variants.map((v) => this.typesOf(v));
      return all.some((t) => t === undefined) ? undefined : [...new Set(all.flat() as string[])];
    }
    if (typeof s.type === 'string') return [s.type];
    if (Array.isArray(s.type)) return s.type as string[];
    return undefined;
  }

  valid(schema: unknown, depth = 0): fc.Arbitrary<unknown> {
    const s = this.resolve(schema);
    const generated = this.#generate(s, depth);
    const examples: unknown[] = Array.isArray(s.examples) ? (s.examples as unknown[]) : [];
    return examples.length > 0
      ? fc.oneof({ arbitrary: fc.constantFrom(...examples), weight: 1 }, { arbitrary: generated, weight: 3 })
      : generated;
  }

  /**
   * Like `valid`, but an object has its required properties only: the smallest request, which is the likeliest
   * to succeed (an optional `taskId` that names no task of yours fails an upload), and so to lead somewhere.
   */
  minimal(schema: unknown): fc.Arbitrary<unknown> {
    const s = this.resolve(schema);
    if (s.type !== 'object' || !isObject(s.properties)) return this.valid(s);
    const required = new Set((s.required as string[] | undefined) ?? []);
    const properties = Object.fromEntries(Object.entries(s.properties).filter(([k]) => required.has(k)));
    return this.#generate({ ...s, properties }, 0);
  }

  #generate(s: Schema, depth: number): fc.Arbitrary<unknown> {
    if (Object.hasOwn(s, 'const')) return fc.constant(s.const);
    if (Array.isArray(s.enum)) return fc.constantFrom(...(s.enum as unknown[]));
    for (const key of ['anyOf', 'oneOf'] as const) {
      const variants = s[key];
      if (Array.isArray(variants)) return fc.oneof(...variants.map((v) => this.valid(v, depth + 1)));
    }
    if (Array.isArray(s.allOf))
      return this.valid(Object.assign({}, ...(s.allOf as unknown[]).map((v) => this.resolve(v))), depth);
    if (Array.isArray(s.type))
      return fc.oneof(...(s.type as string[]).map((type) => this.#generate({ ...s, type }, depth)));
    switch (s.type) {
      case 'null':
        return fc.constant(null);
      case 'boolean':
        return fc.boolean();
      case 'integer': {
        const { min, max } = integerBounds(s);
        return fc.integer({ min, max });
      }
      case 'number':
        return fc.double({
          min: num(s.minimum) ?? num(s.exclusiveMinimum) ?? -1e9,
          max: num(s.maximum) ?? num(s.exclusiveMaximum) ?? 1e9,
          minExcluded: s.exclusiveMinimum !== undefined,
          maxExcluded: s.exclusiveMaximum !== undefined,
          noNaN: true,
          noDefaultInfinity: true,
        });
      case 'string':
        return validString(s);
      case 'array':
        return fc.array(this.valid(s.items, depth + 1), {
          minLength: num(s.minItems) ?? 0,
          maxLength: Math.min(num(s.maxItems) ?? 5, (num(s.minItems) ?? 0) + 5),
        });
      case 'object': {
        const properties = isObject(s.properties) ? s.properties : {};
        const required = new Set((s.required as string[] | undefined) ?? []);
        if (depth > 6) return fc.constant({});
        return fc
          .record(
            Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, this.valid(v, depth + 1)])),
            { requiredKeys: Object.keys(properties).filter((k) => required.has(k)) },
          )
          .map((o) => ({ ...o }));
      }
      default:
        // No type at all: anything JSON.
        return fc.jsonValue({ maxDepth: 2 });
    }
  }

  /**
   * Values near `schema` that break it in one place: another type, a bound passed by one, a pattern or format
   * not met, a value outside the enum, and for objects a required property left out, an unknown one added
   * (prototype-named ones among them) or one property broken in the same ways.
   */
  invalid(schema: unknown, depth = 0): fc.Arbitrary<unknown> {
    const s = this.resolve(schema);
    const candidates: Array<fc.Arbitrary<unknown>> = [this.#otherType(s)];
    const variants = (s.anyOf ?? s.oneOf) as unknown[] | undefined;
    if (variants) candidates.push(...variants.map((v) => this.invalid(v, depth + 1)));
    if (Object.hasOwn(s, 'const') || Array.isArray(s.enum))
      candidates.push(fc.oneof(fc.string({ maxLength: 12 }), fc.integer()));
    const types = this.typesOf(s) ?? [];
    if (types.includes('string')) candidates.push(invalidString(s));
    if (types.includes('integer') || types.includes('number')) {
      const { min, max } = integerBounds(s);
      // fc.integer stays within safe integers, as a bound past them is no bound a client can pass anyway.
      if (
        (s.minimum !== undefined || s.exclusiveMinimum !== undefined) &&
        min > Number.MIN_SAFE_INTEGER + 1000
      )
        candidates.push(fc.integer({ min: min - 1000, max: min - 1 }));
      if (
        (s.maximum !== undefined || s.exclusiveMaximum !== undefined) &&
        max < Number.MAX_SAFE_INTEGER - 1000
      )
        candidates.push(fc.integer({ min: max + 1, max: max + 1000 }));
      if (types.includes('integer') && !types.includes('number'))
        candidates.push(fc.integer({ min: -1000, max: 1000 }).map((n) => n + 0.5));
    }
    if (types.includes('array')) {
      const items = this.valid(s.items, depth + 1);
      if (typeof s.maxItems === 'number')
        candidates.push(fc.array(items, { minLength: s.maxItems + 1, maxLength: s.maxItems + 3 }));
      if (typeof s.minItems === 'number' && s.minItems > 0)
        candidates.push(fc.array(items, { maxLength: s.minItems - 1 }));
      candidates.push(
        fc
          .tuple(fc.array(items, { maxLength: 3 }), this.invalid(s.items, depth + 1))
          .map(([a, bad]) => [...a, bad]),
      );
    }
    if (types.includes('object') && depth <= 6) candidates.push(...this.#invalidObject(s, depth));
    return fc.oneof(...candidates);
  }

  #invalidObject(s: Schema, depth: number): Array<fc.Arbitrary<unknown>> {
    const base = this.#generate({ ...s, type: 'object' }, depth) as fc.Arbitrary<Record<string, unknown>>;
    const properties = isObject(s.properties) ? s.properties : {};
    const required = (s.required as string[] | undefined) ?? [];
    const out: Array<fc.Arbitrary<unknown>> = [];
    if (required.length > 0)
      out.push(
        fc.tuple(base, fc.constantFrom(...required)).map(([o, key]) => {
          const copy = { ...o };
          delete copy[key];
          return copy;
        }),
      );
    if (s.additionalProperties === false) {
      const unknownKey = fc.oneof(
        fc.constantFrom(...PROTOTYPE_KEYS),
        fc.string({ minLength: 1, maxLength: 12 }).filter((k) => !Object.hasOwn(properties, k)),
      );
      out.push(
        fc.tuple(base, unknownKey, fc.jsonValue({ maxDepth: 1 })).map(([o, key, value]) => {
          // defineProperty, not assignment: `o.__proto__ = v` would change the prototype, not add a key.
          const copy = { ...o };
          Object.defineProperty(copy, key, { value, enumerable: true, writable: true, configurable: true });
          return copy;
        }),
      );
    }
    const names = Object.keys(properties);
    if (names.length > 0)
      out.push(
        fc
          .constantFrom(...names)
          .chain((key) =>
            fc
              .tuple(base, this.invalid(properties[key], depth + 1))
              .map(([o, bad]) => ({ ...o, [key]: bad })),
          ),
      );
    return out;
  }

  /** A value of a JSON type the schema does not admit (or of any type, when it admits every one). */
  #otherType(s: Schema): fc.Arbitrary<unknown> {
    const types = this.typesOf(s);
    const samples: Record<string, fc.Arbitrary<unknown>> = {
      null: fc.constant(null),
      boolean: fc.boolean(),
      integer: fc.integer({ min: -10, max: 10 }),
      number: fc.constant(1.5),
      string: fc.string({ maxLength: 8 }),
      array: fc.array(fc.integer(), { maxLength: 2 }),
      object: fc.constant({}),
    };
    const others = Object.entries(samples)
      .filter(([t]) => !types?.includes(t) && !(t === 'integer' && types?.includes('number')))
      .map(([, a]) => a);
    return others.length > 0 ? fc.oneof(...others) : fc.constant(null);
  }
}

const jsonType = (v: unknown) =>
  v === null ? 'null' : Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'integer' : typeof v;

const integerBounds = (s: Schema) => ({
  min: Math.max(
    num(s.minimum) ?? (num(s.exclusiveMinimum) ?? -Infinity) + 1,
    // Past 2^53 JSON numbers stop being exact integers.
    Number.MIN_SAFE_INTEGER,
  ),
  max: Math.min(num(s.maximum) ?? (num(s.exclusiveMaximum) ?? Infinity) - 1, Number.MAX_SAFE_INTEGER),
});

/** Strings: printable ASCII, any Unicode (control characters and astral planes), and the length bounds. */
function validString(s: Schema): fc.Arbitrary<string> {
  const min = num(s.minLength) ?? 0;
  const max = num(s.maxLength);
  const fits = (v: string) => codePoints(v) >= min && (max === undefined || codePoints(v) <= max);
  const pattern = typeof s.pattern === 'string' ? new RegExp(s.pattern, 'u') : undefined;
  const byFormat: Record<string, fc.Arbitrary<string>> = {
    uuid: fc.uuid(),
    'date-time': isoDate().map((d) => d.toISOString()),
    date: isoDate().map((d) => d.toISOString().slice(0, 10)),
    email: fc.emailAddress(),
    uri: fc.webUrl(),
  };
  const formatted = typeof s.format === 'string' ? byFormat[s.format] : undefined;
  if (formatted) return formatted.filter((v) => fits(v) && (!pattern || pattern.test(v)));
  if (pattern) return fc.stringMatching(pattern).filter(fits);
  const lengths = { minLength: min, ...(max === undefined ? {} : { maxLength: max }) };
  const arbitraries = [
    fc.string({ ...lengths, unit: 'grapheme-ascii' }),
    fc.string({ ...lengths, unit: 'binary' }),
    fc.string({ ...lengths, unit: 'grapheme' }),
    // The bounds themselves, where off-by-one mistakes live.
    fc.string({ minLength: min, maxLength: min, unit: 'grapheme-ascii' }),
    ...(max === undefined ? [] : [fc.string({ minLength: max, maxLength: max, unit: 'grapheme-ascii' })]),
  ];
  return fc.oneof(...arbitraries).filter(fits);
}

function invalidString(s: Schema): fc.Arbitrary<string> {
  const out: Array<fc.Arbitrary<string>> = [];
  const min = num(s.minLength);
  const max = num(s.maxLength);
  if (max !== undefined)
    out.push(fc.string({ minLength: max + 1, maxLength: max + 8, unit: 'grapheme-ascii' }));
  if (min !== undefined && min > 0) out.push(fc.string({ maxLength: min - 1 }));
  if (typeof s.pattern === 'string') {
    const pattern = new RegExp(s.pattern, 'u');
    out.push(fc.string({ minLength: 1, maxLength: 40, unit: 'binary' }).filter((v) => !pattern.test(v)));
  }
  if (s.format === 'uuid')
    out.push(
      fc.uuid().map((u) => `${u}x`),
      fc.constantFrom('not-a-uuid', '1', 'null'),
    );
  if (s.format === 'date' || s.format === 'date-time')
    out.push(fc.constantFrom('2026-02-30', '2026-13-01', '31/12/2026', 'yesterday', '2026-1-1'));
  if (out.length === 0) out.push(fc.string({ maxLength: 8 }));
  return fc.oneof(...out);
}

/** Dates whose ISO form keeps a four-digit year, as the schemas' patterns want. */
const isoDate = () =>
  fc.date({
    min: new Date('0001-01-01T00:00:00.000Z'),
    max: new Date('9999-12-31T23:59:59.999Z'),
    noInvalidDate: true,
  });
