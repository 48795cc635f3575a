// @ts-check
/**
 * (Size: one purpose, about 700 lines, because the part of C's preprocessor
 * and constant-expression grammar listed below is that large; splitting it
 * would separate the expander from the evaluator that must agree with it.)
 *
 * Macro expansion and a strict evaluator for C integer constant expressions, as
 * far as `tools/gen-arch` needs them to turn header definitions into numbers.
 *
 * Input is what the C preprocessor reports (`cpp -dM` for macros, `cpp -E -P`
 * for `enum` bodies); nothing here reads headers or follows `#include`.
 *
 * Supported:
 *  - object-like and function-like macros (with C's rescanning and "painted
 *    blue" self-references, tracked with hide sets as in Prosser's algorithm);
 *    `#`, `##` and variadic macros are refused;
 *  - integer literals: decimal, octal, hex and binary, with U/L/UL/LL/ULL
 *    suffixes, typed as C11 6.4.4.1 prescribes for the ABI's data model;
 *  - plain ASCII character literals (`'T'`, `'\n'`, `'\x41'`);
 *  - `sizeof(type)` for the type names the ABI table lists (needed by _IOR/_IOW);
 *  - enumerators (identifiers left over after expansion, e.g. glibc's
 *    `#define SOCK_STREAM SOCK_STREAM` backed by an enum);
 *  - unary + - ~ !, * / %, + -, << >>, < > <= >=, == !=, & ^ |, && ||, ?:,
 *    with C's usual arithmetic conversions between int, unsigned int, long,
 *    unsigned long, long long and unsigned long long.
 *
 * Everything else throws {@link CExprError}: casts, strings, floating point,
 * the comma operator, signed overflow, out-of-range shifts, division by zero,
 * unknown identifiers. Values are BigInts throughout, so nothing is rounded.
 */

export class CExprError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = 'CExprError';
  }
}

/**
 * @typedef {{ kind: 'ident' | 'number' | 'char' | 'string' | 'punct', text: string, hide?: ReadonlySet<string> }} Token
 * @typedef {{ name: string, params: string[] | null, body: string }} MacroDef
 * @typedef {{ name: string, bits: number, unsigned: boolean, rank: number }} CType
 * @typedef {{ value: bigint, type: CType }} CValue
 * @typedef {{ intBits: number, longBits: number, longLongBits: number, typeSizes: Readonly<Record<string, number>> }} DataModel
 */

/**
 * LP64 (x86_64, aarch64, riscv64, ...): int 32, long 64, pointers 64 bits.
 * @type {DataModel}
 */
export const LP64 = Object.freeze({
  intBits: 32,
  longBits: 64,
  longLongBits: 64,
  typeSizes: Object.freeze({
    char: 1, 'signed char': 1, 'unsigned char': 1,
    short: 2, 'unsigned short': 2,
    int: 4, 'unsigned int': 4, unsigned: 4,
    long: 8, 'unsigned long': 8, 'long long': 8, 'unsigned long long': 8,
    __u8: 1, __s8: 1, __u16: 2, __s16: 2, __u32: 4, __s32: 4, __u64: 8, __s64: 8,
    size_t: 8, __kernel_size_t: 8,
    // linux/fs.h ioctl arguments (the same on every LP64 arch: only __u64/__s64/__u16/__u32 fields)
    'struct file_clone_range': 32, 'struct file_dedupe_range': 24, 'struct fstrim_range': 24,
  }),
});

// ---------------------------------------------------------------------------
// Tokens

const PUNCTUATORS = [
  '...', '<<=', '>>=',
  '<<', '>>', '<=', '>=', '==', '!=', '&&', '||', '##', '->', '++', '--',
  '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=',
  '(', ')', '[', ']', '{', '}', '.', ',', ';', ':', '?', '~', '!', '+', '-', '*', '/', '%',
  '<', '>', '&', '|', '^', '=', '#',
];

/**
 * Splits C source text (a macro body, an expression) into preprocessing tokens.
 * @param {string} text
 * @returns {Token[]}
 */
export function tokenize(text) {
  /** @type {Token[]} */
  const tokens = [];
  let i = 0;
  outer: while (i < text.length) {
    const rest = text.slice(i);
    const ws = /^(?:\s+|\/\*[\s\S]*?\*\/|\/\/[^\n]*)/.exec(rest);
    if (ws) {
      i += ws[0].length;
      continue;
    }
    const ident = /^[A-Za-z_$][\w$]*/.exec(rest);
    if (ident) {
      // An encoding prefix glued to a quote is a wide/unicode literal: refuse it below.
      if (/^(?:L|u8?|U)['"]/.test(rest) && (rest[ident[0].length] === "'" || rest[ident[0].length] === '"')) {
        throw new CExprError(`unsupported prefixed literal in ${JSON.stringify(text)}`);
      }
      tokens.push({ kind: 'ident', text: ident[0] });
      i += ident[0].length;
      continue;
    }
    const num = /^\.?\d(?:[eEpP][+-]|[\w.])*/.exec(rest);
    if (num) {
      tokens.push({ kind: 'number', text: num[0] });
      i += num[0].length;
      continue;
    }
    const chr = /^'(?:\\.|[^'\\\n])*'/.exec(rest);
    if (chr) {
      tokens.push({ kind: 'char', text: chr[0] });
      i += chr[0].length;
      continue;
    }
    const str = /^"(?:\\.|[^"\\\n])*"/.exec(rest);
    if (str) {
      tokens.push({ kind: 'string', text: str[0] });
      i += str[0].length;
      continue;
    }
    for (const p of PUNCTUATORS) {
      if (rest.startsWith(p)) {
        tokens.push({ kind: 'punct', text: p });
        i += p.length;
        continue outer;
      }
    }
    throw new CExprError(`unexpected character ${JSON.stringify(text[i])} in ${JSON.stringify(text)}`);
  }
  return tokens;
}

// ---------------------------------------------------------------------------
// Preprocessor output

/**
 * Parses the `#define` lines of `cpp -dM` output. Later definitions win, as
 * `-dM` reports the final state anyway.
 * @param {string} dump
 * @returns {Map<string, MacroDef>}
 */
export function parseDefines(dump) {
  /** @type {Map<string, MacroDef>} */
  const macros = new Map();
  for (const line of dump.split('\n')) {
    if (!line.startsWith('#define ')) {
      if (line.trim() !== '') throw new CExprError(`unexpected line in cpp -dM output: ${JSON.stringify(line)}`);
      continue;
    }
    const m = /^#define\s+([A-Za-z_]\w*)(\([^)]*\))?(?:\s(.*))?$/.exec(line);
    if (!m) throw new CExprError(`cannot parse cpp -dM line: ${JSON.stringify(line)}`);
    const name = /** @type {string} */ (m[1]);
    const params = m[2] === undefined ? null : m[2].slice(1, -1).split(',').map((p) => p.trim()).filter((p, k, all) => p !== '' || all.length > 1);
    macros.set(name, { name, params, body: (m[3] ?? '').trim() });
  }
  return macros;
}

/**
 * Collects the enumerators of every `enum { ... }` body in preprocessed C
 * (`cpp -E -P` output). Values are kept as expression text and evaluated on
 * demand, so an enum this evaluator cannot handle only matters if one of its
 * names is actually asked for.
 * @param {string} source
 * @returns {Map<string, { expr: string | null, prev: string | null }>}
 */
export function parseEnums(source) {
  /** @type {Map<string, { expr: string | null, prev: string | null }>} */
  const enums = new Map();
  const re = /\benum\s*(?:[A-Za-z_]\w*\s*)?(?:__attribute__\s*\(\([^)]*\)\)\s*)?\{([^{}]*)\}/g;
  for (const m of source.matchAll(re)) {
    let prev = /** @type {string | null} */ (null);
    for (const item of splitTopLevel(/** @type {string} */ (m[1]))) {
      const text = item.trim();
      if (text === '') continue;
      const e = /^([A-Za-z_]\w*)(?:\s*__attribute__\s*\(\([^)]*\)\))?\s*(?:=\s*([\s\S]+))?$/.exec(text);
      if (!e) throw new CExprError(`cannot parse enumerator ${JSON.stringify(text)}`);
      const name = /** @type {string} */ (e[1]);
      const entry = { expr: e[2] === undefined ? null : e[2].trim(), prev };
      const old = enums.get(name);
      if (old && (old.expr !== entry.expr || old.prev !== entry.prev)) {
        // C forbids this; mark it so that a lookup fails instead of guessing.
        enums.set(name, { expr: '<conflicting enumerator definitions>', prev: null });
      } else {
        enums.set(name, entry);
      }
      prev = name;
    }
  }
  return enums;
}

/** @param {string} text */
function splitTopLevel(text) {
  const parts = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

// ---------------------------------------------------------------------------
// Types and arithmetic

/** @param {DataModel} dm */
function makeTypes(dm) {
  /** @type {(name: string, bits: number, unsigned: boolean, rank: number) => CType} */
  const t = (name, bits, unsigned, rank) => Object.freeze({ name, bits, unsigned, rank });
  return {
    int: t('int', dm.intBits, false, 1),
    uint: t('unsigned int', dm.intBits, true, 1),
    long: t('long', dm.longBits, false, 2),
    ulong: t('unsigned long', dm.longBits, true, 2),
    llong: t('long long', dm.longLongBits, false, 3),
    ullong: t('unsigned long long', dm.longLongBits, true, 3),
  };
}

/** @param {bigint} v @param {CType} t */
function fits(v, t) {
  const b = BigInt(t.bits);
  return t.unsigned ? v >= 0n && v < 1n << b : v >= -(1n << (b - 1n)) && v < 1n << (b - 1n);
}

/** @param {bigint} v @param {CType} t @returns {bigint} */
function wrap(v, t) {
  return t.unsigned ? BigInt.asUintN(t.bits, v) : BigInt.asIntN(t.bits, v);
}

/**
 * A data-model aware evaluator bound to a set of macros and enumerators.
 */
export class CEvaluator {
  /**
   * @param {{ macros?: Map<string, MacroDef>, enums?: Map<string, { expr: string | null, prev: string | null }>, dataModel?: DataModel }} [options]
   */
  constructor(options = {}) {
    this.macros = options.macros ?? new Map();
    this.enums = options.enums ?? new Map();
    this.dm = options.dataModel ?? LP64;
    this.types = makeTypes(this.dm);
    /** @type {Map<string, CValue>} */
    this.enumCache = new Map();
    /** @type {Set<string>} */
    this.enumInProgress = new Set();
    /** @type {Map<string, Token[]>} */
    this.bodyCache = new Map();
  }

  /** True if `name` is a macro or an enumerator. @param {string} name */
  isDefined(name) {
    return this.macros.has(name) || this.enums.has(name);
  }

  /**
   * The value of a macro or enumerator as a BigInt; `undefined` if the name is
   * neither. Throws if the name is defined but does not evaluate.
   * @param {string} name
   * @returns {bigint | undefined}
   */
  valueOf(name) {
    if (!this.isDefined(name)) return undefined;
    try {
      return this.evaluateTokens([{ kind: 'ident', text: name }]).value;
    } catch (err) {
      if (err instanceof CExprError) {
        const m = this.macros.get(name);
        const def = m ? `#define ${name}${m.params ? `(${m.params.join(',')})` : ''} ${m.body}` : `enumerator ${name}`;
        throw new CExprError(`cannot evaluate ${name} (${def}): ${err.message}`);
      }
      throw err;
    }
  }

  /**
   * Expands macros in `text` and evaluates it.
   * @param {string} text
   * @returns {CValue}
   */
  evaluate(text) {
    return this.evaluateTokens(tokenize(text));
  }

  /** @param {Token[]} tokens @returns {CValue} */
  evaluateTokens(tokens) {
    const expanded = this.expand(tokens);
    const parser = new Parser(expanded, this);
    const v = parser.parseExpression();
    if (!parser.atEnd()) {
      throw new CExprError(`unexpected ${JSON.stringify(parser.peek()?.text)} after expression in ${JSON.stringify(joinTokens(expanded))}`);
    }
    return v;
  }

  // -- macro expansion ------------------------------------------------------

  /** @param {MacroDef} m */
  bodyTokens(m) {
    let body = this.bodyCache.get(m.name);
    if (!body) {
      body = tokenize(m.body);
      if (body.some((t) => t.kind === 'punct' && (t.text === '#' || t.text === '##'))) {
        throw new CExprError(`macro ${m.name} uses # or ##, which is not supported`);
      }
      if (m.params && m.params.some((p) => p === '...' || p.endsWith('...'))) {
        throw new CExprError(`variadic macro ${m.name} is not supported`);
      }
      this.bodyCache.set(m.name, body);
    }
    return body;
  }

  /**
   * Fully macro-expands a token list.
   * @param {Token[]} input
   * @returns {Token[]}
   */
  expand(input) {
    const work = input.slice();
    /** @type {Token[]} */
    const out = [];
    let steps = 0;
    while (work.length > 0) {
      const t = /** @type {Token} */ (work[0]);
      const m = t.kind === 'ident' ? this.macros.get(t.text) : undefined;
      if (m && !t.hide?.has(t.text)) {
        if (++steps > 100000) throw new CExprError('macro expansion does not terminate');
        if (m.params === null) {
          const hide = withName(t.hide, m.name);
          work.splice(0, 1, ...this.bodyTokens(m).map((b) => ({ ...b, hide: union(b.hide, hide) })));
          continue;
        }
        const open = work[1];
        if (open && open.kind === 'punct' && open.text === '(') {
          const { args, close } = collectArgs(work, m);
          const hide = withName(intersect(t.hide, work[close]?.hide), m.name);
          const expandedArgs = args.map((a) => this.expand(a));
          /** @type {Token[]} */
          const replacement = [];
          for (const b of this.bodyTokens(m)) {
            const k = b.kind === 'ident' ? /** @type {string[]} */ (m.params).indexOf(b.text) : -1;
            if (k >= 0) replacement.push(...(/** @type {Token[]} */ (expandedArgs[k])));
            else replacement.push(b);
          }
          work.splice(0, close + 1, ...replacement.map((r) => ({ ...r, hide: union(r.hide, hide) })));
          continue;
        }
      }
      out.push(t);
      work.shift();
    }
    return out;
  }

  // -- values -----------------------------------------------------------------

  /** @param {string} name @returns {CValue} */
  enumerator(name) {
    const cached = this.enumCache.get(name);
    if (cached) return cached;
    const e = this.enums.get(name);
    if (!e) throw new CExprError(`unknown identifier ${name} (not a macro or an enumerator)`);
    if (this.enumInProgress.has(name)) throw new CExprError(`enumerator ${name} depends on itself`);
    this.enumInProgress.add(name);
    try {
      let v;
      if (e.expr !== null) v = this.evaluate(e.expr);
      else if (e.prev === null) v = { value: 0n, type: this.types.int };
      else {
        const p = this.enumerator(e.prev);
        v = { value: p.value + 1n, type: p.type };
      }
      // An enumerator has type int when its value fits (C), else GCC widens it.
      const type = fits(v.value, this.types.int) ? this.types.int : v.type;
      if (!fits(v.value, type)) throw new CExprError(`enumerator ${name} overflows ${type.name}`);
      const r = { value: v.value, type };
      this.enumCache.set(name, r);
      return r;
    } finally {
      this.enumInProgress.delete(name);
    }
  }

  /** @param {string} text @returns {CValue} */
  integerLiteral(text) {
    const m = /^(?:0[xX]([0-9a-fA-F]+)|0[bB]([01]+)|(0[0-7]*)|([1-9][0-9]*))([uU]?(?:l|L|ll|LL)?|(?:l|L|ll|LL)[uU])$/.exec(text);
    if (!m) throw new CExprError(`not an integer literal: ${text}`);
    const decimal = m[4] !== undefined;
    const value = m[1] !== undefined ? BigInt(`0x${m[1]}`) : m[2] !== undefined ? BigInt(`0b${m[2]}`) : m[3] !== undefined ? BigInt(`0o${m[3]}`) : BigInt(/** @type {string} */ (m[4]));
    const suffix = (m[5] ?? '').toLowerCase();
    const u = suffix.includes('u');
    const l = suffix.replace('u', '');
    const T = this.types;
    // C11 6.4.4.1: the first type in the list that can represent the value.
    /** @type {CType[]} */
    let candidates;
    if (l === '') candidates = u ? [T.uint, T.ulong, T.ullong] : decimal ? [T.int, T.long, T.llong] : [T.int, T.uint, T.long, T.ulong, T.llong, T.ullong];
    else if (l === 'l') candidates = u ? [T.ulong, T.ullong] : decimal ? [T.long, T.llong] : [T.long, T.ulong, T.llong, T.ullong];
    else candidates = u ? [T.ullong] : decimal ? [T.llong] : [T.llong, T.ullong];
    const type = candidates.find((c) => fits(value, c));
    if (!type) throw new CExprError(`integer literal ${text} is too large`);
    return { value, type };
  }

  /** @param {string} text @returns {CValue} */
  charLiteral(text) {
    const body = text.slice(1, -1);
    const simple = { n: 10n, t: 9n, r: 13n, a: 7n, b: 8n, f: 12n, v: 11n, '\\': 92n, "'": 39n, '"': 34n, '?': 63n };
    let value;
    let m;
    if (body.length === 1 && body !== '\\') value = BigInt(body.charCodeAt(0));
    else if ((m = /^\\([0-7]{1,3})$/.exec(body))) value = BigInt(`0o${m[1]}`);
    else if ((m = /^\\x([0-9a-fA-F]+)$/.exec(body))) value = BigInt(`0x${m[1]}`);
    else if (body.length === 2 && body[0] === '\\' && Object.hasOwn(simple, /** @type {string} */ (body[1]))) value = simple[/** @type {keyof typeof simple} */ (body[1])];
    else throw new CExprError(`unsupported character literal ${text}`);
    // Beyond ASCII the value depends on whether plain char is signed: refuse.
    if (value > 0x7fn) throw new CExprError(`character literal ${text} is outside ASCII`);
    return { value, type: this.types.int };
  }

  /** @param {string} typeName @returns {CValue} */
  sizeOf(typeName) {
    const size = this.dm.typeSizes[typeName];
    if (size === undefined) throw new CExprError(`sizeof(${typeName}): unknown type for this ABI`);
    return { value: BigInt(size), type: this.dm.longBits === 64 ? this.types.ulong : this.types.uint };
  }

  /** C's usual arithmetic conversions (operands are never narrower than int). @param {CType} a @param {CType} b @returns {CType} */
  common(a, b) {
    if (a === b) return a;
    if (a.unsigned === b.unsigned) return a.rank >= b.rank ? a : b;
    const [u, s] = a.unsigned ? [a, b] : [b, a];
    if (u.rank >= s.rank) return u;
    if (s.bits > u.bits) return s;
    const T = this.types;
    return s === T.long ? T.ulong : s === T.llong ? T.ullong : T.uint;
  }

  /** @param {CValue} v @param {CType} t @returns {bigint} */
  convert(v, t) {
    return wrap(v.value, t);
  }

  /** @param {bigint} value @param {CType} type @param {string} what */
  signedResult(value, type, what) {
    if (type.unsigned) return { value: wrap(value, type), type };
    if (!fits(value, type)) throw new CExprError(`signed overflow in ${what} (${type.name})`);
    return { value, type };
  }

  /** @param {boolean} b @returns {CValue} */
  bool(b) {
    return { value: b ? 1n : 0n, type: this.types.int };
  }
}

/** @param {ReadonlySet<string> | undefined} a @param {string} name */
function withName(a, name) {
  const s = new Set(a ?? []);
  s.add(name);
  return s;
}

/** @param {ReadonlySet<string> | undefined} a @param {ReadonlySet<string> | undefined} b */
function union(a, b) {
  if (!a || a.size === 0) return b;
  if (!b || b.size === 0) return a;
  return new Set([...a, ...b]);
}

/** @param {ReadonlySet<string> | undefined} a @param {ReadonlySet<string> | undefined} b */
function intersect(a, b) {
  if (!a || !b) return undefined;
  return new Set([...a].filter((x) => b.has(x)));
}

/**
 * Collects the arguments of a function-like macro invocation that starts at
 * work[0] (name) and work[1] (the opening parenthesis).
 * @param {Token[]} work
 * @param {MacroDef} m
 */
function collectArgs(work, m) {
  /** @type {Token[][]} */
  const args = [[]];
  let depth = 0;
  for (let i = 2; i < work.length; i++) {
    const t = /** @type {Token} */ (work[i]);
    if (t.kind === 'punct' && t.text === '(') depth++;
    if (t.kind === 'punct' && t.text === ')') {
      if (depth === 0) {
        const params = /** @type {string[]} */ (m.params);
        const n = args.length === 1 && args[0]?.length === 0 ? 0 : args.length;
        if (n !== params.length && !(params.length === 1 && n === 0)) {
          throw new CExprError(`macro ${m.name} expects ${params.length} argument(s), got ${n}`);
        }
        return { args: params.length === 0 ? [] : args, close: i };
      }
      depth--;
    }
    if (t.kind === 'punct' && t.text === ',' && depth === 0) args.push([]);
    else /** @type {Token[]} */ (args[args.length - 1]).push(t);
  }
  throw new CExprError(`unterminated invocation of macro ${m.name}`);
}

/** @param {Token[]} tokens */
function joinTokens(tokens) {
  return tokens.map((t) => t.text).join(' ');
}

// ---------------------------------------------------------------------------
// Parser + evaluator (recursive descent over expanded tokens; evaluates as it
// parses, with `live` = false inside the unevaluated arm of && || ?:)

const BINARY_PRECEDENCE = /** @type {Record<string, number>} */ ({
  '||': 1, '&&': 2, '|': 3, '^': 4, '&': 5, '==': 6, '!=': 6,
  '<': 7, '>': 7, '<=': 7, '>=': 7, '<<': 8, '>>': 8, '+': 9, '-': 9, '*': 10, '/': 10, '%': 10,
});

class Parser {
  /** @param {Token[]} tokens @param {CEvaluator} ev */
  constructor(tokens, ev) {
    this.tokens = tokens;
    this.pos = 0;
    this.ev = ev;
    this.source = joinTokens(tokens);
  }

  peek() {
    return this.tokens[this.pos];
  }

  atEnd() {
    return this.pos >= this.tokens.length;
  }

  /** @param {string} text */
  isPunct(text) {
    const t = this.peek();
    return t !== undefined && t.kind === 'punct' && t.text === text;
  }

  /** @param {string} text */
  expect(text) {
    if (!this.isPunct(text)) {
      const t = this.peek();
      throw new CExprError(`expected ${JSON.stringify(text)} but found ${t ? JSON.stringify(t.text) : 'end of expression'} in ${JSON.stringify(this.source)}`);
    }
    this.pos++;
  }

  /** @param {boolean} [live] @returns {CValue} */
  parseExpression(live = true) {
    if (this.atEnd()) throw new CExprError('empty expression');
    const v = this.parseConditional(live);
    if (this.isPunct(',')) throw new CExprError(`comma operator is not allowed in a constant expression: ${JSON.stringify(this.source)}`);
    return v;
  }

  /** @param {boolean} live @returns {CValue} */
  parseConditional(live) {
    const cond = this.parseBinary(1, live);
    if (!this.isPunct('?')) return cond;
    this.pos++;
    const takeFirst = cond.value !== 0n;
    const a = this.parseExpression(live && takeFirst);
    this.expect(':');
    const b = this.parseConditional(live && !takeFirst);
    const type = this.ev.common(a.type, b.type);
    const chosen = takeFirst ? a : b;
    return { value: this.ev.convert(chosen, type), type };
  }

  /** @param {number} minPrec @param {boolean} live @returns {CValue} */
  parseBinary(minPrec, live) {
    let left = this.parseUnary(live);
    for (;;) {
      const t = this.peek();
      if (!t || t.kind !== 'punct') return left;
      const prec = BINARY_PRECEDENCE[t.text];
      if (prec === undefined || prec < minPrec) return left;
      this.pos++;
      if (t.text === '&&' || t.text === '||') {
        const short = t.text === '&&' ? left.value === 0n : left.value !== 0n;
        const right = this.parseBinary(prec + 1, live && !short);
        left = this.ev.bool(t.text === '&&' ? left.value !== 0n && right.value !== 0n : left.value !== 0n || right.value !== 0n);
        continue;
      }
      const right = this.parseBinary(prec + 1, live);
      left = live ? this.binary(t.text, left, right) : { value: 0n, type: this.ev.common(left.type, right.type) };
    }
  }

  /** @param {string} op @param {CValue} a @param {CValue} b @returns {CValue} */
  binary(op, a, b) {
    const ev = this.ev;
    const what = `${op} in ${JSON.stringify(this.source)}`;
    if (op === '<<' || op === '>>') {
      const type = a.type;
      if (b.value < 0n || b.value >= BigInt(type.bits)) throw new CExprError(`shift count ${b.value} out of range for ${type.name}: ${what}`);
      if (op === '>>') return { value: a.value >> b.value, type }; // arithmetic for negative signed values, as GCC does
      if (!type.unsigned && a.value < 0n) throw new CExprError(`left shift of a negative value: ${what}`);
      return ev.signedResult(a.value << b.value, type, what);
    }
    const type = ev.common(a.type, b.type);
    const x = ev.convert(a, type);
    const y = ev.convert(b, type);
    switch (op) {
      case '+': return ev.signedResult(x + y, type, what);
      case '-': return ev.signedResult(x - y, type, what);
      case '*': return ev.signedResult(x * y, type, what);
      case '/':
      case '%':
        if (y === 0n) throw new CExprError(`division by zero: ${what}`);
        return ev.signedResult(op === '/' ? x / y : x % y, type, what); // BigInt truncates toward zero, as C does
      case '&': return { value: wrap(x & y, type), type };
      case '|': return { value: wrap(x | y, type), type };
      case '^': return { value: wrap(x ^ y, type), type };
      case '<': return ev.bool(x < y);
      case '>': return ev.bool(x > y);
      case '<=': return ev.bool(x <= y);
      case '>=': return ev.bool(x >= y);
      case '==': return ev.bool(x === y);
      case '!=': return ev.bool(x !== y);
      default: throw new CExprError(`unsupported operator ${op}`);
    }
  }

  /** @param {boolean} live @returns {CValue} */
  parseUnary(live) {
    const t = this.peek();
    if (t && t.kind === 'punct' && ['+', '-', '~', '!'].includes(t.text)) {
      this.pos++;
      const v = this.parseUnary(live);
      if (t.text === '+') return v;
      if (t.text === '!') return this.ev.bool(v.value === 0n);
      if (t.text === '~') return { value: wrap(~v.value, v.type), type: v.type };
      return live ? this.ev.signedResult(-v.value, v.type, `unary - in ${JSON.stringify(this.source)}`) : v;
    }
    return this.parsePrimary(live);
  }

  /** @param {boolean} live @returns {CValue} */
  parsePrimary(live) {
    const t = this.peek();
    if (!t) throw new CExprError(`unexpected end of expression ${JSON.stringify(this.source)}`);
    this.pos++;
    switch (t.kind) {
      case 'number':
        return this.ev.integerLiteral(t.text);
      case 'char':
        return this.ev.charLiteral(t.text);
      case 'string':
        throw new CExprError(`string literal ${t.text} is not an integer`);
      case 'ident': {
        if (t.text === 'sizeof') return this.parseSizeof();
        if (t.text === 'defined') throw new CExprError('`defined` only exists in #if');
        // What is left after expansion: an enumerator (possibly behind a
        // self-referential `#define X X`, as glibc and linux/in.h do), or an error.
        if (this.ev.enums.has(t.text)) return this.ev.enumerator(t.text);
        const m = this.ev.macros.get(t.text);
        if (m && m.params !== null) throw new CExprError(`${t.text} is a function-like macro used without arguments`);
        if (m) throw new CExprError(`${t.text} refers to itself and names no enumerator`);
        throw new CExprError(`unknown identifier ${t.text} (not a macro or an enumerator)`);
      }
      case 'punct':
        if (t.text === '(') {
          const next = this.peek();
          if (next && next.kind === 'ident' && Object.hasOwn(this.ev.dm.typeSizes, next.text) && !this.ev.isDefined(next.text)) {
            throw new CExprError(`casts are not supported: ${JSON.stringify(this.source)}`);
          }
          const v = this.parseExpression(live);
          this.expect(')');
          return v;
        }
        throw new CExprError(`unexpected ${JSON.stringify(t.text)} in ${JSON.stringify(this.source)}`);
      default:
        throw new CExprError(`unexpected token ${JSON.stringify(t.text)}`);
    }
  }

  /** @returns {CValue} */
  parseSizeof() {
    this.expect('(');
    const names = [];
    while (!this.isPunct(')')) {
      const t = this.peek();
      if (!t || (t.kind !== 'ident' && !(t.kind === 'punct' && t.text === '*'))) {
        throw new CExprError(`sizeof supports type names only: ${JSON.stringify(this.source)}`);
      }
      names.push(t.text);
      this.pos++;
    }
    this.pos++;
    return this.ev.sizeOf(names.join(' '));
  }
}

/**
 * Evaluates one C integer constant expression.
 * @param {string} text the expression
 * @param {{ macros?: Map<string, MacroDef> | Record<string, string>, enums?: Map<string, { expr: string | null, prev: string | null }>, dataModel?: DataModel }} [options]
 *   `macros` may be a plain object `{ NAME: 'body', 'F(a,b)': 'body' }` for convenience.
 * @returns {bigint}
 */
export function evaluateCExpression(text, options = {}) {
  let macros = options.macros;
  if (macros && !(macros instanceof Map)) {
    macros = parseDefines(Object.entries(macros).map(([k, v]) => `#define ${k} ${v}`).join('\n'));
  }
  return new CEvaluator({ macros, enums: options.enums, dataModel: options.dataModel }).evaluate(text).value;
}
